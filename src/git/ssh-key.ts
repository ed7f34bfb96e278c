import { createPrivateKey, randomInt, type KeyObject } from 'node:crypto';
import { ssh2 } from './ssh2.ts';
import { GitError } from './remote.ts';

/**
 * A deploy key in a form ssh2 reads. ssh2 reads OpenSSH keys and the traditional PEM forms
 * (`RSA PRIVATE KEY`, `EC PRIVATE KEY`) but not PKCS#8 (`PRIVATE KEY`, what `openssl genpkey`
 * and `ssh-keygen -m PKCS8` write): those are converted here, in memory, to a form it reads.
 * Errors name the problem, never the key material.
 */
export function usableKey(text: string, passphrase?: string): { privateKey: string | Buffer; passphrase?: string } {
  const parsed = ssh2().utils.parseKey(text, passphrase);
  if (!(parsed instanceof Error)) return { privateKey: text, passphrase };
  if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(text)) throw new GitError(`the SSH deploy key cannot be used: ${parsed.message}`, { code: 'deploy-key-invalid' });
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem', passphrase });
  } catch (error) {
    throw new GitError(`the SSH deploy key cannot be used: ${(error as { code?: string }).code ?? 'unreadable PKCS#8 key'}`, { code: 'deploy-key-invalid' });
  }
  if (key.asymmetricKeyType === 'rsa') return { privateKey: key.export({ type: 'pkcs1', format: 'pem' }) };
  if (key.asymmetricKeyType === 'ec') return { privateKey: key.export({ type: 'sec1', format: 'pem' }) };
  if (key.asymmetricKeyType === 'ed25519') return { privateKey: openSshEd25519(key) };
  throw new GitError(`the SSH deploy key cannot be used: ${key.asymmetricKeyType ?? 'unknown'} keys are not supported (use ed25519, ecdsa or rsa)`, { code: 'deploy-key-invalid' });
}

/** An unencrypted `openssh-key-v1` container holding one ed25519 key. */
function openSshEd25519(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d!, 'base64url');
  const pub = Buffer.from(jwk.x!, 'base64url');
  const type = Buffer.from('ssh-ed25519');
  const publicBlob = concat(str(type), str(pub));
  const check = Buffer.alloc(4);
  check.writeUInt32BE(randomInt(2 ** 32 - 1));
  let secret = concat(check, check, str(type), str(pub), str(Buffer.concat([seed, pub])), str(Buffer.alloc(0)));
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, i) => i + 1));
  secret = Buffer.concat([secret, padding]);
  const body = concat(Buffer.from('openssh-key-v1\0'), str(Buffer.from('none')), str(Buffer.from('none')), str(Buffer.alloc(0)), uint32(1), str(publicBlob), str(secret));
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** An SSH wire-format string: uint32 length, then the bytes. */
function str(bytes: Buffer): Buffer {
  return Buffer.concat([uint32(bytes.length), bytes]);
}

function concat(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}
