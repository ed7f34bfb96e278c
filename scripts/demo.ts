/**
 * `npm run demo`: tagpilot end to end on this machine, offline. Starts a real registry and a
 * real Git server on 127.0.0.1, seeds a small fleet, prints the plan, runs one cycle, shows the
 * commit, and stops everything it started. `predemo` (scripts/provision.ts) installs the registry
 * and git first where they are missing.
 */
import { main } from '../src/cli/main.ts';
import { git } from '../test/harness/git-repos.ts';
import { startDemoFleet } from '../test/harness/demo-fleet.ts';

const say = (text: string) => process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);

say('A registry and a Git server on 127.0.0.1, with a small fleet');
const fleet = await startDemoFleet((image, tags) => console.log(`  pushed ${image}: ${tags.join(', ')}`));
const { registry, server, bare, config, work } = fleet;
try {
  console.log(`  registry at ${registry.url}, Git server at ${server.url}`);
  const io = { out: process.stdout, err: process.stderr, in: process.stdin, cwd: work, env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } };

  say('tagpilot plan');
  await main(['plan', '--config', config], io);

  say('tagpilot run --once');
  const code = await main(['run', '--once', '--config', config], io);
  console.log(code === 0 ? '  cycle finished: the remote branch holds the commit' : `  cycle exited ${code}`);

  say('The commit on main (git show)');
  process.stdout.write(git(bare, 'show', '--format=commit %H%nAuthor: %an <%ae>%n%n%B', 'main'));

  say("tagpilot history (read back from the bot's commit trailers)");
  await main(['history', '--config', config], io);

  say('A second cycle with nothing new');
  await main(['run', '--once', '--config', config], io);
  console.log(`  commits on main: ${git(bare, 'rev-list', '--count', 'main').trim()} (the seed and tagpilot's one)`);
  process.exitCode = code;
} finally {
  await fleet.stop();
}
