import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../harness/cli.ts';

async function run(args: string[], stdin = '', cwd = process.cwd()) {
  const { code, out, err } = await runCli(['policy', 'test', ...args], { stdin, cwd });
  return { code, stdout: out, stderr: err };
}

test('policy test: selects from tags on standard input, one per line, as a table', async () => {
  const { code, stdout } = await run(['semver:~1.2', '--current', '1.2.0'], '1.2.0\n1.2.9\n\n1.3.0\nlatest\n');
  assert.equal(code, 0);
  assert.match(stdout, /^selected +1\.2\.9 \(changed\)$/m);
  assert.match(stdout, /^1\.3\.0 +outside-range +not in "~1\.2"$/m);
  assert.match(stdout, /^latest +not-a-version$/m);
});

test('policy test: --json prints the policy, the selection and every rejection', async () => {
  const { code, stdout } = await run(['semver:^1', '--json'], '["1.0.0", "1.1.0", "2.0.0"]');
  assert.equal(code, 0);
  const result = JSON.parse(stdout);
  assert.equal(result.policy, 'semver:^1');
  assert.equal(result.selected, '1.1.0');
  assert.deepEqual(
    result.rejected.map((r: { tag: string; reason: string }) => [r.tag, r.reason]),
    [
      ['1.0.0', 'not-newest'],
      ['2.0.0', 'outside-range'],
    ],
  );
});

test('policy test: reads JSON objects with build times from a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tagpilot-policy-test-'));
  await writeFile(
    join(dir, 'tags.json'),
    JSON.stringify([
      { tag: 'main-a', created: '2026-01-01T00:00:00Z' },
      { tag: 'main-b', created: '2026-01-02T00:00:00Z' },
    ]),
  );
  const { code, stdout } = await run(['glob:main-*', '--tags-from', 'tags.json', '--json'], '', dir);
  assert.equal(code, 0);
  assert.equal(JSON.parse(stdout).selected, 'main-b');
});

test('policy test: exit 0 and selected null when no tag qualifies', async () => {
  const { code, stdout } = await run(['semver:^9', '--json'], '1.0.0\n');
  assert.deepEqual([code, JSON.parse(stdout).selected], [0, null]);
});

test('policy test: filters come from --ignore, --min-age and --platforms', async () => {
  const tags = JSON.stringify([
    { tag: '1.0.0', created: '2026-01-01T00:00:00Z', platforms: ['linux/amd64', 'linux/arm64'] },
    { tag: '1.1.0', created: '2026-01-09T23:00:00Z', platforms: ['linux/amd64', 'linux/arm64'] },
    { tag: '1.2.0', created: '2026-01-01T00:00:00Z', platforms: ['linux/amd64'] },
    { tag: '1.3.0-beta.1', created: '2026-01-01T00:00:00Z', platforms: ['linux/arm64'] },
  ]);
  const args = ['semver:>=1.0.0-0', '--ignore', '*-beta*', '--min-age', '1d', '--platforms', 'linux/arm64', '--now', '2026-01-10T00:00:00Z', '--json'];
  const result = JSON.parse((await run(args, tags)).stdout);
  assert.equal(result.selected, '1.0.0');
  assert.deepEqual(
    result.rejected.map((r: { reason: string }) => r.reason),
    ['too-young', 'missing-platform', 'ignored'],
  );
});

test('policy test: a digest policy shows the digest to pin', async () => {
  const digest = `sha256:${'c'.repeat(64)}`;
  const { stdout } = await run(['digest:stable', '--current', 'stable', '--current-digest', `sha256:${'a'.repeat(64)}`, '--json'], JSON.stringify([{ tag: 'stable', digest }]));
  assert.deepEqual([JSON.parse(stdout).digest, JSON.parse(stdout).changed], [digest, true]);
});

test('policy test: control characters in input tags are shown escaped', async () => {
  const { stdout } = await run(['semver:*'], 'bad\u001b[31mtag\n1.0.0\n');
  assert.ok(!stdout.includes('\u001b'));
  assert.match(stdout, /bad\\u001b\[31mtag +invalid-tag/);
});

for (const [name, args, stdin, message] of [
  ['an invalid policy', ['semver:nope'], '1.0.0', /invalid policy "semver:nope": invalid semver range/],
  ['an unknown policy kind', ['fancy'], '1.0.0', /unknown policy kind "fancy"/],
  ['no policy', [], '1.0.0', /missing required argument 'policy'/],
  ['two policies', ['minor', 'major'], '1.0.0', /too many arguments for 'test'\. Expected 1 argument but got 2/],
  ['an unknown option', ['minor', '--bogus'], '', /unknown option '--bogus'/],
  ['malformed JSON', ['minor'], '[1.0.0', /not valid JSON/],
  ['a JSON item of the wrong shape', ['minor'], '[{"name": "x"}]', /expected an array of tags/],
  ['a bad created time', ['minor'], '[{"tag": "x", "created": "yesterday"}]', /item 0 \(x\) created: "yesterday" is not a time/],
  ['a bad filter', ['minor', '--min-age', 'soon'], '', /invalid duration "soon"/],
  ['a missing file', ['minor', '--tags-from', 'no-such-file'], '', /cannot read tags from no-such-file: ENOENT/],
] as const) {
  test(`policy test: ${name} exits 2 with a message`, async () => {
    const { code, stdout, stderr } = await run([...args], stdin);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, message);
  });
}

test('policy test: --allow-downgrade moves below the current tag', async () => {
  const { stdout } = await run(['semver:^1', '--current', '2.0.0', '--allow-downgrade', '--json'], '1.9.0\n2.0.0\n');
  assert.deepEqual([JSON.parse(stdout).selected, JSON.parse(stdout).changed], ['1.9.0', true]);
});

test('policy test: --help prints usage and exits 0', async () => {
  const { code, stdout } = await run(['--help']);
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: tagpilot policy test \[options\] <policy>/);
});

test('policy test: on a terminal without --tags-from says what it needs and exits 2 instead of waiting', async () => {
  const { code, out, err } = await runCli(['policy', 'test', 'minor', '--current', '1.0.0'], { tty: { in: true } });
  assert.deepEqual([code, out], [2, '']);
  assert.match(err, /needs a tag list: --tags-from FILE, or pipe one in/);
});

test('policy test: --tags-from - still reads standard input, terminal or not', async () => {
  const { code, stdout } = await run(['minor', '--current', '1.0.0', '--tags-from', '-', '--json'], '1.0.0\n1.1.0\n');
  assert.deepEqual([code, JSON.parse(stdout).selected], [0, '1.1.0']);
});

test('policy test: --verify-signature rejects unsigned and badly signed tags with their reason', async () => {
  const tags = JSON.stringify([{ tag: '1.0.0', signature: 'valid' }, { tag: '1.1.0', signature: 'valid' }, { tag: '1.2.0', signature: 'bad-signature' }, { tag: '1.3.0' }]);
  const { code, stdout } = await run(['semver:^1', '--verify-signature', 'ci', '--json'], tags);
  assert.equal(code, 0);
  const result = JSON.parse(stdout);
  assert.equal(result.selected, '1.1.0');
  assert.deepEqual(
    result.rejected.map((r: { tag: string; reason: string }) => [r.tag, r.reason]),
    [
      ['1.0.0', 'not-newest'],
      ['1.2.0', 'bad-signature'],
      ['1.3.0', 'unsigned'],
    ],
  );
  const table = await run(['semver:^1', '--verify-signature', 'ci'], tags);
  assert.match(table.stdout, /^1\.3\.0 +unsigned +ci: no verdict in the tag list$/m);
});
