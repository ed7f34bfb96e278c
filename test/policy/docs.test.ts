/**
 * Runs the examples in docs/policies.md and docs/annotations.md, so the documentation cannot drift
 * from the code. Blocks marked `yaml example` are selections, `yaml annotations` annotation reads,
 * and `console` blocks of `tagpilot policy test` are CLI runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseFilters, parsePolicy, readAnnotations, selectTag, withDowngrade, withFilters, type TagInfo } from '../../src/policy/index.ts';
import { runCli } from '../harness/cli.ts';

const docs = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

function blocks(markdown: string, info: string): string[] {
  const fence = new RegExp('^```' + info + '\\n([\\s\\S]*?)^```$', 'gm');
  return [...markdown.matchAll(fence)].map((match) => match[1] ?? '');
}

/** All scalars stay strings (`1.10` must not become the number 1.1). */
const read = (text: string): Record<string, unknown> => parse(text, { schema: 'failsafe' }) as Record<string, unknown>;

function toTag(item: unknown): TagInfo {
  if (typeof item === 'string') return { tag: item };
  const { tag, created, digest, platforms } = item as { tag: string; created?: string; digest?: string; platforms?: string[] };
  return { tag, ...(created === undefined ? {} : { created: new Date(created) }), ...(digest === undefined ? {} : { digest }), ...(platforms === undefined ? {} : { platforms }) };
}

function runSelectionExample(example: Record<string, unknown>): void {
  const text = String(example.policy);
  if (example.error !== undefined) {
    assert.throws(
      () => parsePolicy(text),
      (error: Error) => error.message.includes(String(example.error)),
      `error should include ${String(example.error)}`,
    );
    return;
  }
  const filters = { ignore: example.ignore, minAge: example['min-age'], platforms: example.platforms } as Record<string, string | undefined>;
  const defined = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
  const filtered = Object.keys(defined).length === 0 ? parsePolicy(text) : withFilters(parsePolicy(text), parseFilters(defined));
  const policy = example['allow-downgrade'] === 'true' ? withDowngrade(filtered) : filtered;
  const current = { ...(example.current === undefined ? {} : { tag: String(example.current) }), ...(example['current-digest'] === undefined ? {} : { digest: String(example['current-digest']) }) };
  const options = example.now === undefined ? {} : { now: new Date(String(example.now)) };
  const selection = selectTag(policy, (example.tags as unknown[]).map(toTag), current, options);
  assert.equal(selection.selected, example.selected === 'null' ? null : example.selected, selection.why);
  if (example.changed !== undefined) assert.equal(String(selection.changed), example.changed);
  if (example.digest !== undefined) assert.equal(selection.digest, example.digest);
  for (const [tag, reason] of Object.entries((example.rejected ?? {}) as Record<string, string>)) {
    assert.equal(selection.rejected.find((r) => r.tag === tag)?.reason, reason, `reason for ${tag}`);
  }
}

const policyExamples = blocks(docs('policies.md'), 'yaml example');
test('docs: policies.md has examples for every policy kind', () => {
  const kinds = new Set(policyExamples.map((block) => String(read(block).policy).split(':')[0]));
  for (const kind of ['semver', 'glob', 'regexp', 'alphabetical', 'numerical', 'major', 'minor', 'patch', 'all', 'digest']) assert.ok(kinds.has(kind), kind);
});
policyExamples.forEach((block, index) => {
  const example = read(block);
  test(`docs: policies.md example ${index + 1}: ${String(example.policy)}`, () => runSelectionExample(example));
});

function runAnnotationExample(example: Record<string, unknown>): void {
  const containers = example.containers as string[];
  const result = readAnnotations((example.annotations ?? {}) as Record<string, string>, containers);
  const expect = (example.expect ?? {}) as Record<string, unknown>;
  if (expect.automated !== undefined) assert.equal(String(result.automated), expect.automated, 'automated');
  const policies = (expect.policies ?? {}) as Record<string, string>;
  for (const [container, policy] of Object.entries(policies)) {
    const found = result.policies.get(container);
    assert.equal(found === undefined ? 'none' : `${found.kind} ${found.source}`, policy, `policy of ${container}`);
  }
  if (expect.filters !== undefined) {
    for (const [container, filters] of Object.entries(expect.filters as Record<string, Record<string, string>>)) {
      const found = result.policies.get(container)?.filters;
      if (filters.ignore !== undefined) assert.equal(found?.ignore.map((m) => m.source).join(','), filters.ignore);
      if (filters['min-age'] !== undefined) assert.equal(found?.minAge, filters['min-age']);
      if (filters.platforms !== undefined) assert.equal(found?.platforms.join(','), filters.platforms);
    }
  }
  for (const [container, allowed] of Object.entries((expect['allow-downgrade'] ?? {}) as Record<string, string>)) {
    assert.equal(String(result.policies.get(container)?.allowDowngrade === true), allowed, `allow-downgrade of ${container}`);
  }
  if (expect.lock !== undefined) assert.deepEqual(result.lock, normaliseLock(expect.lock as Record<string, string>));
  const problems = (expect.problems ?? []) as string[];
  const messages = result.problems.map((p) => p.message);
  assert.equal(messages.length, problems.length, messages.join('\n'));
  for (const [i, problem] of problems.entries()) assert.ok(messages[i]?.includes(problem), `${messages[i]} should include ${problem}`);
}

function normaliseLock(lock: Record<string, string>): Record<string, unknown> {
  return { by: undefined, reason: undefined, at: undefined, ...lock, locked: lock.locked === 'true' };
}

const annotationExamples = blocks(docs('annotations.md'), 'yaml annotations');
test('docs: annotations.md has examples', () => assert.ok(annotationExamples.length >= 10));
annotationExamples.forEach((block, index) => {
  const example = read(block);
  test(`docs: annotations.md example ${index + 1}: ${Object.keys((example.annotations ?? {}) as object).join(', ')}`, () => runAnnotationExample(example));
});

/** `$ printf '…' | tagpilot policy test ARGS` followed by the exact output. */
const consoleExamples = blocks(docs('policies.md'), 'console');
consoleExamples.forEach((block, index) => {
  test(`docs: policies.md console example ${index + 1} is what the CLI prints`, async () => {
    const [command = '', ...output] = block.split('\n');
    const match = /^\$ printf '([^']*)' \| tagpilot policy test (.*)$/.exec(command);
    assert.ok(match, `unrecognised command line: ${command}`);
    const stdin = (match[1] ?? '').replaceAll('\\n', '\n');
    const { code, out } = await runCli(['policy', 'test', ...(match[2] ?? '').split(' ')], { stdin });
    assert.equal(code, 0);
    assert.equal(out, output.join('\n'));
  });
});
