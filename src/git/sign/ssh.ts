import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { ParsedKey } from 'ssh2';
import { TagpilotError } from '../../problems/index.ts';
import { usableKey } from '../ssh-key.ts';
import { ssh2 } from '../ssh2.ts';
import type { CommitSigner } from './signer.ts';

/** The namespace git signs commits in (`ssh-keygen -Y sign -n git`). */
const NAMESPACE = 'git';
const HASH = 'sha512';
const MAGIC = Buffer.from('SSHSIG');

/** How each key type signs: the signature algorithm named in the blob and node's digest. */
const ALGORITHMS: Record<string, { name: string; digest: string | null }> = {
  'ssh-ed25519': { name: 'ssh-ed25519', digest: null },
  'ssh-rsa': { name: 'rsa-sha2-512', digest: 'sha512' },
  'ecdsa-sha2-nistp256': { name: 'ecdsa-sha2-nistp256', digest: 'sha256' },
  'ecdsa-sha2-nistp384': { name: 'ecdsa-sha2-nistp384', digest: 'sha384' },
  'ecdsa-sha2-nistp521': { name: 'ecdsa-sha2-nistp521', digest: 'sha512' },
};

interface SshSigningKey {
  type: string;
  /** The public key in SSH wire format, as embedded in the signature. */
  publicBlob: Buffer;
  privateKey: KeyObject;
}

/**
 * Signs commits the way `gpg.format=ssh` does: an SSHSIG blob (OpenSSH's PROTOCOL.sshsig) over
 * the SHA-512 of the commit bytes in the `git` namespace, armored. The key is the deploy key or a
 * dedicated one, in any form the SSH transport reads (OpenSSH, PEM, PKCS#8; ed25519, ecdsa, rsa).
 */
export function sshSigner(keyText: string, passphrase?: string): CommitSigner {
  const key = readSigningKey(keyText, passphrase);
  return { format: 'ssh', sign: async (payload) => sshSignature(payload, key) };
}

/** The public key line (`ssh-ed25519 AAAA…`) for an allowed-signers file. */
export function sshPublicKeyLine(keyText: string, passphrase?: string): string {
  const key = readSigningKey(keyText, passphrase);
  return `${key.type} ${key.publicBlob.toString('base64')}`;
}

function readSigningKey(keyText: string, passphrase?: string): SshSigningKey {
  let parsed: ParsedKey | ParsedKey[] | Error;
  try {
    const usable = usableKey(keyText, passphrase);
    parsed = ssh2().utils.parseKey(usable.privateKey, usable.passphrase);
  } catch (error) {
    // usableKey speaks of the deploy key; this may be a dedicated signing key.
    throw unusable((error as Error).message.replace(/^the SSH deploy key cannot be used: /, ''));
  }
  if (parsed instanceof Error) throw unusable(parsed.message);
  if (!(parsed.type in ALGORITHMS)) throw unusable(`${parsed.type} keys are not supported (use ed25519, ecdsa or rsa)`);
  return { type: parsed.type, publicBlob: parsed.getPublicSSH(), privateKey: createPrivateKey(parsed.getPrivatePEM()) };
}

function unusable(reason: string): TagpilotError {
  // The reason comes from the key parser and names the problem, never the key material.
  return new TagpilotError('signing-key-unusable', `the SSH signing key cannot be used: ${reason}`, { data: { format: 'ssh' } });
}

export function sshSignature(payload: Buffer, key: SshSigningKey): string {
  const algorithm = ALGORITHMS[key.type]!;
  const digest = createHash(HASH).update(payload).digest();
  const signed = Buffer.concat([MAGIC, str(NAMESPACE), str(''), str(HASH), str(digest)]);
  const raw = algorithm.digest === null ? sign(null, signed, key.privateKey) : sign(algorithm.digest, signed, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  const signature = Buffer.concat([str(algorithm.name), str(key.type.startsWith('ecdsa-') ? ecdsaBlob(raw) : raw)]);
  const blob = Buffer.concat([MAGIC, uint32(1), str(key.publicBlob), str(NAMESPACE), str(''), str(HASH), str(signature)]);
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}

/** RFC 5656: an ECDSA signature is mpint r, mpint s (node gives r‖s, each of the curve's size). */
function ecdsaBlob(raw: Buffer): Buffer {
  const half = raw.length / 2;
  return Buffer.concat([str(mpint(raw.subarray(0, half))), str(mpint(raw.subarray(half)))]);
}

/** A positive mpint: no leading zero bytes, one zero byte if the top bit would read as a sign. */
function mpint(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return (trimmed[0]! & 0x80) === 0 ? trimmed : Buffer.concat([Buffer.from([0]), trimmed]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function str(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}
