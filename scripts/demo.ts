/**
 * `npm run demo`: tagpilot end to end on this machine, offline. Starts a real registry and a
 * real Git server on 127.0.0.1, seeds a small fleet, prints the plan, runs one cycle, shows the
 * commit, and stops everything it started.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';
import { startRegistry } from '../test/harness/registry.ts';
import { startGitServer } from '../test/harness/git-server.ts';
import { seedTags, versionTags } from '../test/harness/images.ts';
import { createBareRepo, git } from '../test/harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles, writeConfig } from '../test/harness/fleet.ts';

const say = (text: string) => process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);

function ensureRegistryInstalled(): void {
  if (spawnSync('docker-registry', ['--version']).status === 0) return;
  const canApt = existsSync('/usr/bin/apt-get') && process.getuid?.() === 0;
  if (!canApt) {
    process.stderr.write('The demo needs CNCF Distribution. Install it first:\n  Debian/Ubuntu: sudo apt-get install docker-registry\n  elsewhere: put the `registry` binary from distribution/distribution on PATH as `docker-registry`\n');
    process.exit(1);
  }
  say('Installing docker-registry (CNCF Distribution) with apt-get');
  execFileSync('apt-get', ['install', '-y', '-qq', 'docker-registry'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

ensureRegistryInstalled();
const work = mkdtempSync(join(tmpdir(), 'tagpilot-demo-'));
const [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
try {
  say(`Registry at ${registry.url}, Git server at ${server.url}`);
  for (const [repository, tags] of Object.entries(FLEET_TAGS)) {
    await seedTags(registry.url, repository, versionTags(tags));
    console.log(`  pushed ${registry.host}/${repository}: ${tags.join(', ')}`);
  }
  const bare = createBareRepo(server.root, 'fleet', fleetFiles(registry.host));
  const config = writeConfig(
    work,
    `git:\n  url: ${server.repoUrl('fleet')}\n  branch: main\n  paths: [apps]\n  author: { name: tagpilot, email: tagpilot@demo.local }\nregistries:\n  - host: ${registry.host}\n    insecure: true\ncacheDir: cache\n`,
  );
  const io = { out: process.stdout, err: process.stderr, in: process.stdin, cwd: work, env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } };

  say('tagpilot plan');
  await main(['plan', '--config', config], io);

  say('tagpilot run --once');
  const code = await main(['run', '--once', '--config', config], io);
  console.log(code === 0 ? '  cycle finished: the remote branch holds the commit' : `  cycle exited ${code}`);

  say('The commit on main (git show)');
  process.stdout.write(git(bare, 'show', '--format=commit %H%nAuthor: %an <%ae>%n%n%B', 'main'));

  say('tagpilot history (read back from the bot\'s commit trailers)');
  await main(['history', '--config', config], io);

  say('A second cycle with nothing new');
  await main(['run', '--once', '--config', config], io);
  console.log(`  commits on main: ${git(bare, 'rev-list', '--count', 'main').trim()} (the seed and tagpilot's one)`);
  process.exitCode = code;
} finally {
  await Promise.all([registry.stop(), server.stop()]);
  rmSync(work, { recursive: true, force: true });
}
