import type { PrivateKey } from 'openpgp';
import { TagpilotError } from '../../problems/index.ts';
import type { CommitSigner } from './signer.ts';

/**
 * Signs commits the way `gpg.format=openpgp` does (`gpg -bsa`): a detached, armored signature of
 * the commit bytes as binary data, made with OpenPGP.js from an armored secret key (as
 * `gpg --export-secret-keys --armor` writes it), decrypted once with its passphrase.
 */
export async function openPgpSigner(armoredKey: string, passphrase?: string): Promise<CommitSigner> {
  // Loaded only when configured: OpenPGP.js costs about 120 ms and 24 MB at import.
  const openpgp = await import('openpgp');
  const key = await readKey(openpgp, armoredKey, passphrase);
  return {
    format: 'openpgp',
    async sign(payload) {
      const message = await openpgp.createMessage({ binary: payload });
      return openpgp.sign({ message, signingKeys: key, detached: true, format: 'armored' });
    },
  };
}

async function readKey(openpgp: typeof import('openpgp'), armoredKey: string, passphrase?: string): Promise<PrivateKey> {
  let key: PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey });
  } catch (error) {
    throw unusable(`not an armored OpenPGP secret key (${firstLine(error)})`);
  }
  if (key.isDecrypted()) return key;
  if (passphrase === undefined) throw unusable('the key is encrypted and no passphrase is configured');
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch (error) {
    throw unusable(firstLine(error));
  }
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split('\n')[0]!;
}

function unusable(reason: string): TagpilotError {
  return new TagpilotError('signing-key-unusable', `the OpenPGP signing key cannot be used: ${reason}`, { data: { format: 'openpgp' } });
}
