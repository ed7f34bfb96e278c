import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway GnuPG home (GnuPG from Debian) with its agent stopped on `dispose`. */
export interface GnupgHome {
  dir: string;
  env: NodeJS.ProcessEnv;
  gpg(...args: string[]): string;
  /** Generates a key for `uid` (`ed25519`, `rsa3072`, …); returns its armored secret key. */
  generate(uid: string, algo: string, passphrase?: string): string;
  dispose(): void;
}

export function gnupgHome(): GnupgHome {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-gnupg-'));
  // The agent calibrates key protection to 100 ms of its own CPU; tests need no such strength.
  writeFileSync(join(dir, 'gpg-agent.conf'), 's2k-count 65536\n');
  const env = { ...process.env, GNUPGHOME: dir };
  const gpg = (...args: string[]) => execFileSync('gpg', ['--batch', '--quiet', '--no-tty', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  return {
    dir,
    env,
    gpg,
    generate(uid, algo, passphrase = '') {
      gpg('--pinentry-mode', 'loopback', '--passphrase', passphrase, '--quick-gen-key', uid, algo, 'sign', 'never');
      return gpg('--pinentry-mode', 'loopback', '--passphrase', passphrase, '--armor', '--export-secret-keys', uid);
    },
    dispose() {
      try {
        execFileSync('gpgconf', ['--kill', 'all'], { env, stdio: 'ignore' });
      } catch {
        // No agent was started.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes an allowed-signers file (`gpg.ssh.allowedSignersFile`) trusting `publicKey` for `principal`. */
export function allowedSigners(dir: string, principal: string, publicKey: string): string {
  const file = join(dir, 'allowed_signers');
  writeFileSync(file, `${principal} ${publicKey}\n`);
  return file;
}
