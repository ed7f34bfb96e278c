/**
 * The system programs the demo and the tests run for real, and the Debian/Ubuntu package that
 * brings each. A later issue that needs another one adds a row here (or a purpose to a row).
 */

/** What needs a component: the demo (`npm run demo`) or the test suite (`npm test`). */
export type Purpose = 'demo' | 'test';
export const PURPOSES: readonly Purpose[] = ['demo', 'test'];

/** How to tell a component is there. */
export type Probe =
  /** An executable of this name on PATH. */
  | { command: string }
  /** An executable at this absolute path (the harness runs it by path, not through PATH). */
  | { file: string }
  /** A program in git's exec-path (`git --exec-path`), e.g. `git-http-backend`. */
  | { gitProgram: string };

export interface Component {
  /** Names the component on the command line: `npm run provision -- chromium`. */
  id: string;
  /** As people know it. */
  name: string;
  /** The Debian/Ubuntu package that provides every probe. */
  package: string;
  probes: readonly Probe[];
  /** Purposes that check (and install) it; an empty list: only when named by its id. */
  neededBy: readonly Purpose[];
}

export const COMPONENTS: readonly Component[] = [
  { id: 'distribution', name: 'CNCF Distribution', package: 'docker-registry', probes: [{ command: 'docker-registry' }], neededBy: ['demo', 'test'] },
  {
    id: 'git',
    name: 'git',
    package: 'git',
    probes: [{ command: 'git' }, { gitProgram: 'git-http-backend' }, { file: '/usr/bin/git-shell' }],
    neededBy: ['demo', 'test'],
  },
  { id: 'sshd', name: 'OpenSSH server', package: 'openssh-server', probes: [{ file: '/usr/sbin/sshd' }], neededBy: ['test'] },
  { id: 'ssh-keygen', name: 'ssh-keygen', package: 'openssh-client', probes: [{ command: 'ssh-keygen' }], neededBy: ['test'] },
  { id: 'openssl', name: 'OpenSSL', package: 'openssl', probes: [{ command: 'openssl' }], neededBy: ['test'] },
  // Signed commits: the tests make keys and check signatures with GnuPG (its agent does the work).
  { id: 'gnupg', name: 'GnuPG', package: 'gnupg', probes: [{ command: 'gpg' }, { command: 'gpgconf' }, { command: 'gpg-agent' }], neededBy: ['test'] },
  // The status page's browser tests drive it through playwright-core (test/e2e/status-page.test.ts).
  { id: 'chromium', name: 'Chromium', package: 'chromium', probes: [{ file: '/usr/bin/chromium' }], neededBy: ['test'] },
];
