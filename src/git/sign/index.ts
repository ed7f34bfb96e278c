export type { CommitSigner } from './signer.ts';
export { withSignatureHeader } from './header.ts';
export { sshSigner, sshPublicKeyLine } from './ssh.ts';
export { openPgpSigner } from './openpgp.ts';
