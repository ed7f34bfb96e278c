import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../harness/cli.ts';

/** Every verb: its help names it, lists its options and shows an example; `--help` is success. */
const VERBS: [string[], string[]][] = [
  [['run'], ['--config <file>', '--once', '--strict', '--log-format <format>']],
  [['plan'], ['--config <file>', '--json', '--strict', '--log-format <format>']],
  [['workloads'], ['--repo <dir>', '--path <path>', '--config <file>', '--json', '--strict']],
  [['release'], ['--repo <dir>', '--workload <id>', '--image <ref>', '--container <name>', '--no-commit', '--force', '--path <path>']],
  [['history'], ['--repo <dir>', '--config <file>', '--workload <id>', '--since <date>', '--json']],
  [['status'], ['--server <url>', '--token-file <file>', '--json']],
  [['images'], ['<image-ref>', '--policy <policy>', '--all', '--config <file>', '--insecure', '--json']],
  [
    ['policy', 'test'],
    ['<policy>', '--current <tag>', '--current-digest <digest>', '--tags-from <file>', '--ignore <list>', '--min-age <duration>', '--platforms <list>', '--now <time>', '--allow-downgrade', '--json'],
  ],
  [['policy'], ['test']],
];

for (const [verb, options] of VERBS) {
  for (const flag of ['--help', '-h']) {
    test(`tagpilot ${verb.join(' ')} ${flag} prints its usage, options and an example, and exits 0`, async () => {
      const { code, out, err } = await runCli([...verb, flag]);
      assert.deepEqual([code, err], [0, '']);
      assert.match(out, new RegExp(`^Usage: tagpilot ${verb.join(' ')} `));
      for (const option of options) assert.ok(out.includes(option), `${option} in:\n${out}`);
      assert.match(out, /\nExamples?:\n {2}\$ tagpilot /);
    });
  }
}

test('tagpilot help VERB is the same as VERB --help', async () => {
  const [viaHelp, viaFlag] = await Promise.all([runCli(['help', 'plan']), runCli(['plan', '--help'])]);
  assert.deepEqual([viaHelp.code, viaHelp.out], [0, viaFlag.out]);
});

test('tagpilot alone prints the list of verbs on stdout and exits 0', async () => {
  const { code, out, err } = await runCli([]);
  assert.deepEqual([code, err], [0, '']);
  for (const verb of ['run', 'plan', 'workloads', 'release', 'history', 'status', 'images', 'policy']) assert.match(out, new RegExp(`^ {2}${verb} `, 'm'));
  assert.match(out, /Exit codes: 0 done, 1 failed, 2 usage or configuration error/);
});

test('tagpilot --help is what tagpilot alone prints', async () => {
  const [alone, help] = await Promise.all([runCli([]), runCli(['--help'])]);
  assert.deepEqual([help.code, help.out], [0, alone.out]);
});

test('tagpilot policy alone prints its subcommands and exits 0', async () => {
  const { code, out } = await runCli(['policy']);
  assert.equal(code, 0);
  assert.match(out, /^Usage: tagpilot policy /);
  assert.match(out, /^ {2}test /m);
});

/** A mistyped verb or option: exit 2, and the nearest right spelling offered. */
const TYPOS: [string[], RegExp][] = [
  [['paln'], /unknown command 'paln'\n\(Did you mean plan\?\)/],
  [['workload'], /unknown command 'workload'\n\(Did you mean workloads\?\)/],
  [['policy', 'tesst'], /unknown command 'tesst'\n\(Did you mean test\?\)/],
  [['plan', '--jsn'], /unknown option '--jsn'\n\(Did you mean --json\?\)/],
  [['run', '--onse', '--config', 'x.yaml'], /unknown option '--onse'\n\(Did you mean --once\?\)/],
  [['history', '--reop', '.'], /unknown option '--reop'\n\(Did you mean --repo\?\)/],
  [['policy', 'test', 'minor', '--tags-form', 'x'], /unknown option '--tags-form'\n\(Did you mean --tags-from\?\)/],
];

for (const [argv, message] of TYPOS) {
  test(`tagpilot ${argv.join(' ')} exits 2 and suggests the right spelling`, async () => {
    const { code, out, err } = await runCli(argv);
    assert.deepEqual([code, out], [2, '']);
    assert.match(err, message);
    assert.match(err, /^tagpilot: /);
  });
}

test('an unknown verb far from every known one gets no suggestion, only the pointer to --help', async () => {
  const { code, err } = await runCli(['frobnicate']);
  assert.equal(code, 2);
  assert.doesNotMatch(err, /Did you mean/);
  assert.match(err, /\(add --help for usage\)/);
});

test('a missing required option names it and exits 2, after unknown options are checked', async () => {
  const { code, err } = await runCli(['plan']);
  assert.deepEqual([code, err], [2, 'tagpilot plan: missing --config <file> (see tagpilot plan --help)\n']);
});

test('the console example in docs/cli.md is what the CLI prints', async () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/cli.md'), 'utf8');
  const block = /```console\n\$ tagpilot (.*)\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/cli.md has a console example');
  const { code, err } = await runCli(block[1]!.split(' '));
  assert.deepEqual([code, err], [2, block[2]]);
});

test('tagpilot --version prints the package version and exits 0', async () => {
  const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await runCli(['--version']), { code: 0, out: `${version}\n`, err: '' });
});
