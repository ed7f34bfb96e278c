import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { provision, type ProvisionEnv, type RunResult } from '../../scripts/provision/provision.ts';
import { osReleaseIds } from '../../scripts/provision/plan.ts';

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
const GIT_EXEC = '/usr/lib/git-core';

/** What each package puts on the made-up machine: names on PATH, or absolute paths. */
const PROVIDES: Record<string, string[]> = {
  'docker-registry': ['docker-registry'],
  git: ['git', `${GIT_EXEC}/git-http-backend`, '/usr/bin/git-shell'],
  'openssh-server': ['/usr/sbin/sshd'],
  'openssh-client': ['ssh-keygen'],
  openssl: ['openssl'],
  gnupg: ['gpg', 'gpgconf', 'gpg-agent'],
  chromium: ['/usr/bin/chromium'],
};
const EVERYTHING = Object.values(PROVIDES).flat();

interface Call {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
}

interface MachineOptions {
  /** What is installed (default: everything). */
  present?: string[];
  uid?: number;
  osRelease?: string | undefined;
  /** Answers an apt-get run instead of installing; undefined installs. */
  apt?: (args: readonly string[]) => RunResult | undefined;
  /** Packages whose install puts nothing on the machine. */
  broken?: string[];
}

/** A made-up machine: it records every command and the text written, and apt-get "installs". */
function machine(options: MachineOptions = {}) {
  const present = new Set([...(options.present ?? EVERYTHING), 'apt-get']);
  const calls: Call[] = [];
  const written = { out: '', err: '' };
  const ok = (stdout = ''): RunResult => ({ status: 0, stdout, stderr: '' });
  const env: ProvisionEnv = {
    onPath: (name) => present.has(name),
    isExecutable: (path) => present.has(path),
    uid: options.uid ?? 0,
    osRelease: 'osRelease' in options ? options.osRelease : DEBIAN,
    run(command, args, runOptions) {
      calls.push({ command, args, env: runOptions.env });
      if (command === 'git') return ok(`${GIT_EXEC}\n`);
      const answer = options.apt?.(args);
      if (answer !== undefined) return answer;
      if (args[0] === 'install') {
        for (const pkg of args.filter((a) => !a.startsWith('-')).slice(1)) {
          if (!options.broken?.includes(pkg)) for (const thing of PROVIDES[pkg] ?? []) present.add(thing);
        }
      }
      return ok();
    },
    out: (text) => (written.out += text),
    err: (text) => (written.err += text),
  };
  const aptCalls = () => calls.filter((c) => c.command === 'apt-get').map((c) => c.args.join(' '));
  return { env, calls, written, aptCalls };
}

const without = (...things: string[]) => EVERYTHING.filter((t) => !things.includes(t));

test('provision: with everything installed it says nothing, runs no apt-get and exits 0', () => {
  const m = machine();
  assert.equal(provision(['test'], m.env), 0);
  assert.deepEqual(m.written, { out: '', err: '' });
  assert.deepEqual(m.aptCalls(), []);
});

test('provision: as root on Debian it runs apt-get update once, installs the missing packages and says so in one line', () => {
  const m = machine({ present: without('docker-registry', '/usr/sbin/sshd') });
  assert.equal(provision(['test'], m.env), 0);
  assert.equal(m.written.out, 'provision: missing CNCF Distribution, OpenSSH server; installing with apt-get: docker-registry openssh-server\n');
  assert.equal(m.written.err, '');
  assert.deepEqual(m.aptCalls(), ['update -qq', 'install -y -qq --no-install-recommends docker-registry openssh-server']);
  assert.ok(m.calls.filter((c) => c.command === 'apt-get').every((c) => c.env.DEBIAN_FRONTEND === 'noninteractive'));
});

test('provision: a package missing several programs is installed once', () => {
  const m = machine({ present: without('git', `${GIT_EXEC}/git-http-backend`, '/usr/bin/git-shell') });
  assert.equal(provision(['test'], m.env), 0);
  assert.deepEqual(m.aptCalls(), ['update -qq', 'install -y -qq --no-install-recommends git']);
});

test('provision: git without its http-backend counts as missing git', () => {
  const m = machine({ present: without(`${GIT_EXEC}/git-http-backend`) });
  assert.equal(provision(['demo'], m.env), 0);
  assert.equal(m.written.out, 'provision: missing git; installing with apt-get: git\n');
});

const PURPOSE_CASES: { args: string[]; missing: string[]; installs: string | undefined }[] = [
  { args: ['demo'], missing: ['/usr/sbin/sshd', 'openssl', 'ssh-keygen', 'gpg'], installs: undefined },
  { args: ['demo'], missing: ['docker-registry'], installs: 'docker-registry' },
  { args: ['test'], missing: ['/usr/sbin/sshd', 'ssh-keygen', 'openssl'], installs: 'openssh-server openssh-client openssl' },
  { args: ['test'], missing: ['gpg-agent'], installs: 'gnupg' },
  { args: [], missing: ['/usr/sbin/sshd'], installs: 'openssh-server' },
  { args: ['test'], missing: ['/usr/bin/chromium'], installs: 'chromium' },
  { args: ['demo'], missing: ['/usr/bin/chromium'], installs: undefined },
  { args: ['chromium'], missing: ['/usr/bin/chromium', 'gpg'], installs: 'chromium' },
  { args: ['demo', 'gnupg'], missing: ['gpg', '/usr/sbin/sshd'], installs: 'gnupg' },
];
for (const { args, missing, installs } of PURPOSE_CASES) {
  test(`provision: \`${args.join(' ') || '(no arguments)'}\` without ${missing.join(', ')} installs ${installs ?? 'nothing'}`, () => {
    const m = machine({ present: without(...missing) });
    assert.equal(provision(args, m.env), 0);
    assert.deepEqual(m.aptCalls(), installs === undefined ? [] : ['update -qq', `install -y -qq --no-install-recommends ${installs}`]);
  });
}

test('provision: not root, it prints the sudo apt-get command, installs nothing and exits 1', () => {
  const m = machine({ present: without('docker-registry', 'openssl'), uid: 1000 });
  assert.equal(provision(['test'], m.env), 1);
  assert.equal(m.written.out, '');
  assert.equal(
    m.written.err,
    'provision: these system programs are missing, and this is not root, so nothing was installed:\n' +
      '  - CNCF Distribution (package docker-registry): no `docker-registry` on PATH\n' +
      '  - OpenSSL (package openssl): no `openssl` on PATH\n' +
      'Install them with:\n' +
      '  sudo apt-get update && sudo apt-get install -y --no-install-recommends docker-registry openssl\n',
  );
  assert.deepEqual(m.aptCalls(), []);
});

test('provision: not Debian or Ubuntu, it names the programs and the Debian command, installs nothing and exits 1', () => {
  const m = machine({ present: without('/usr/sbin/sshd'), osRelease: 'NAME="Fedora Linux"\nID=fedora\n' });
  assert.equal(provision(['test'], m.env), 1);
  assert.equal(
    m.written.err,
    'provision: these system programs are missing, and this is not Debian or Ubuntu (os-release ID: fedora), so nothing was installed:\n' +
      '  - OpenSSH server (package openssh-server): no /usr/sbin/sshd\n' +
      "Install them with your system's package manager; on Debian/Ubuntu that is:\n" +
      '  apt-get update && apt-get install -y --no-install-recommends openssh-server\n',
  );
  assert.deepEqual(m.aptCalls(), []);
});

test('provision: without an os-release file it installs nothing', () => {
  const m = machine({ present: without('openssl'), osRelease: undefined });
  assert.equal(provision(['test'], m.env), 1);
  assert.match(m.written.err, /not Debian or Ubuntu \(os-release ID: none\)/);
});

test('provision: without apt-get on PATH it prints the command and exits 1', () => {
  const m = machine({ present: without('openssl') });
  m.env.onPath = (name) => name !== 'apt-get' && name !== 'openssl';
  assert.equal(provision(['test'], m.env), 1);
  assert.match(m.written.err, /^provision: these system programs are missing, and there is no apt-get on PATH, so nothing was installed:\n/);
  assert.match(m.written.err, /\n {2}apt-get update && apt-get install -y --no-install-recommends openssl\n$/);
});

test('provision: a failed apt-get update is reported with its last lines and the command, and nothing is installed', () => {
  const failure = { status: 100, stdout: '', stderr: 'W: Failed to fetch http://deb.example/InRelease\nE: Some index files failed to download.\n' };
  const m = machine({ present: without('docker-registry'), apt: (args) => (args[0] === 'update' ? failure : undefined) });
  assert.equal(provision(['demo'], m.env), 1);
  assert.equal(
    m.written.err,
    'provision: `apt-get update -qq` failed (exit 100):\n' +
      '    W: Failed to fetch http://deb.example/InRelease\n' +
      '    E: Some index files failed to download.\n' +
      'These system programs are still missing:\n' +
      '  - CNCF Distribution (package docker-registry): no `docker-registry` on PATH\n' +
      'Install them with:\n' +
      '  apt-get update && apt-get install -y --no-install-recommends docker-registry\n',
  );
  assert.deepEqual(m.aptCalls(), ['update -qq']);
});

test('provision: a failed apt-get install is reported and exits 1', () => {
  const failure = { status: 100, stdout: '', stderr: 'E: Unable to locate package docker-registry\n' };
  const m = machine({ present: without('docker-registry'), apt: (args) => (args[0] === 'install' ? failure : undefined) });
  assert.equal(provision(['demo'], m.env), 1);
  assert.match(m.written.err, /^provision: `apt-get install -y -qq --no-install-recommends docker-registry` failed \(exit 100\):\n {4}E: Unable to locate package docker-registry\n/);
});

test('provision: an apt-get that times out is reported as such', () => {
  const m = machine({ present: without('docker-registry'), apt: () => ({ status: null, stdout: '', stderr: '', error: 'ETIMEDOUT' }) });
  assert.equal(provision(['demo'], m.env), 1);
  assert.match(m.written.err, /^provision: `apt-get update -qq` failed \(ETIMEDOUT\)\n/);
});

test('provision: a package that installs but leaves its program missing is reported and exits 1', () => {
  const m = machine({ present: without('docker-registry', 'openssl'), broken: ['docker-registry'] });
  assert.equal(provision(['test'], m.env), 1);
  assert.equal(m.written.err, 'provision: apt-get installed docker-registry openssl, but these are still missing:\n' + '  - CNCF Distribution (package docker-registry): no `docker-registry` on PATH\n');
});

test('provision: an unknown argument prints the usage and exits 2', () => {
  const m = machine();
  assert.equal(provision(['tests'], m.env), 2);
  assert.match(m.written.err, /^provision: unknown tests\nUsage: node scripts\/provision\.ts \[demo\|test\|distribution\|git\|sshd\|/);
});

const OS_RELEASES: [string, string | undefined, boolean][] = [
  ['ID=debian\n', 'debian', true],
  ['ID=ubuntu\nID_LIKE=debian\n', 'ubuntu', true],
  ['ID=linuxmint\nID_LIKE="ubuntu debian"\n', 'linuxmint', true],
  ["ID='raspbian'\nID_LIKE=debian\n", 'raspbian', true],
  ['ID="rhel"\nID_LIKE="fedora"\n', 'rhel', false],
  ['ID=alpine\n', 'alpine', false],
  ['NAME=debian\n', undefined, false],
];
for (const [text, id, debianLike] of OS_RELEASES) {
  test(`provision: os-release ${JSON.stringify(text)} is ${debianLike ? '' : 'not '}Debian-like`, () => {
    assert.deepEqual(osReleaseIds(text), { id, debianLike });
  });
}

const SCRIPT = join(import.meta.dirname, '../../scripts/provision.ts');

test('provision script: on this machine (the suite runs after pretest) everything is there', () => {
  const result = spawnSync(process.execPath, [SCRIPT, 'test'], { encoding: 'utf8' });
  assert.deepEqual([result.status, result.stdout, result.stderr], [0, '', '']);
});

test('provision script: with nothing on PATH it prints what to install, without a stack trace', () => {
  const result = spawnSync(process.execPath, [SCRIPT, 'demo'], { encoding: 'utf8', env: { PATH: '' } });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^provision: these system programs are missing, .*nothing was installed:\n/);
  assert.match(result.stderr, /apt-get install -y --no-install-recommends docker-registry git\n$/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});
