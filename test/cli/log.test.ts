import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { logCycle, type CycleSummary } from '../../src/runtime/index.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { logFormat, logger, type LogFormat } from '../../src/cli/log.ts';
import { runCli } from '../harness/cli.ts';

/** Streams like the CLI's, stderr captured; `tty` makes it claim to be a terminal. */
function io(env: NodeJS.ProcessEnv = {}, tty = false): { io: CliIo; err: () => string } {
  const err = new PassThrough();
  if (tty) Object.assign(err, { isTTY: true });
  let text = '';
  err.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { io: { out: new PassThrough(), err, in: new PassThrough(), cwd: '/', env }, err: () => text };
}

const FORMATS: [string, NodeJS.ProcessEnv, boolean, LogFormat | undefined, LogFormat][] = [
  ['a terminal', {}, true, undefined, 'pretty'],
  ['a pipe or the container', {}, false, undefined, 'json'],
  ['LOG_FORMAT=json on a terminal', { LOG_FORMAT: 'json' }, true, undefined, 'json'],
  ['LOG_FORMAT=pretty in a pipe', { LOG_FORMAT: 'pretty' }, false, undefined, 'pretty'],
  ['--log-format over LOG_FORMAT', { LOG_FORMAT: 'pretty' }, false, 'json', 'json'],
];
for (const [where, env, tty, option, expected] of FORMATS) {
  test(`logs are ${expected} on ${where}`, () => {
    assert.equal(logFormat(io(env, tty).io, { logFormat: option }), expected);
  });
}

test('pretty logs are one line per event with an ISO time, the level, the message and the fields', async () => {
  const { io: cli, err } = io({ LOG_FORMAT: 'pretty' });
  const log = await logger(cli);
  log.info({ changes: 2 }, 'cycle: committed');
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(err(), /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] INFO: cycle: committed \{"changes":2\}\n$/);
});

test('a pretty error shows its message, not a serialised object with an empty stack', async () => {
  const { io: cli, err } = io({ LOG_FORMAT: 'pretty' });
  (await logger(cli)).error({ err: { message: 'connect ECONNREFUSED' } }, 'cycle failed');
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(err(), /ERROR: cycle failed \n {4}err: connect ECONNREFUSED\n$/);
});

test('JSON logs are one JSON object per line', async () => {
  const { io: cli, err } = io();
  (await logger(cli)).warn({ subject: 'a.yaml:3' }, 'bad');
  assert.deepEqual(JSON.parse(err()), { ...JSON.parse(err()), level: 40, subject: 'a.yaml:3', msg: 'bad' });
});

test('an unknown LOG_FORMAT is a usage error (exit 2) naming the variable', async () => {
  const { code, err } = await runCli(['plan', '--config', '/nonexistent.yaml'], { env: { LOG_FORMAT: 'xml' } });
  assert.equal(code, 2);
  assert.match(err, /LOG_FORMAT: "xml" is not a log format \(expected json or pretty\)/);
});

const change = (n: number) => ({ file: `apps/${n}.yaml`, line: 7, kind: 'container' as const, workload: `shop:deployment/w${n}`, container: 'app', repository: 'ghcr.io/acme/app', from: '1.0.0', to: '1.1.0', policy: 'semver:^1' });
const report: CycleSummary = {
  head: 'a'.repeat(40),
  commit: 'b'.repeat(40),
  changes: [change(1), change(2), change(3)],
  problems: [
    { subject: 'x.yaml:1', message: 'bad', code: 'registry-unreachable' },
    { subject: 'y.yaml:1', message: 'bad', code: 'registry-unreachable' },
    { subject: 'z.yaml:1', message: 'bad' },
  ] as CycleSummary['problems'],
  locked: ['shop:deployment/frozen'],
};

test('a cycle is summed up in one line: counts of changes and of problems by code with one example each, the commit and the time', async () => {
  const { io: cli, err } = io({ LOG_LEVEL: 'info' });
  logCycle(await logger(cli), report, 1234);
  const lines = err()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const summary = lines.at(-1)!;
  assert.deepEqual({ msg: summary.msg, changes: summary.changes, problems: summary.problems, locked: summary.locked, commit: summary.commit, ms: summary.ms }, { msg: 'cycle: committed', changes: 3, problems: { problem: 1, 'registry-unreachable': 2 }, locked: 1, commit: 'b'.repeat(40), ms: 1234 });
  assert.ok(!lines.some((l) => 'change' in l), 'no change detail at info');
  assert.equal(lines.filter((l) => l.level === 40).length, 3, 'each problem once, at warn (tagpilot run)');
  assert.deepEqual(summary.examples, { problem: 'z.yaml:1: bad', 'registry-unreachable': 'x.yaml:1: bad' });
});

test("the controller's cycle is one line at info: each problem and lock only at debug", async () => {
  const { io: cli, err } = io({ LOG_LEVEL: 'info' });
  logCycle(await logger(cli), report, 1234, 'debug');
  const lines = err().trimEnd().split('\n');
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /"msg":"cycle: committed"/);
});

test('the changes themselves are logged at debug, one line each', async () => {
  const { io: cli, err } = io({ LOG_LEVEL: 'debug' });
  logCycle(await logger(cli), report, 1);
  const details = err()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; change?: { file: string } })
    .filter((l) => l.msg === 'change');
  assert.deepEqual(
    details.map((d) => d.change?.file),
    ['apps/1.yaml', 'apps/2.yaml', 'apps/3.yaml'],
  );
});
