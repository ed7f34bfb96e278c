import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import pino from 'pino';
import { plan, runCycle, type Change, type CycleDeps, type CycleReport } from '../../src/automation/index.ts';
import { parsePolicy } from '../../src/policy/index.ts';
import { errorCode } from '../../src/problems/index.ts';
import { FakeTagSource, type TagsFile } from '../fakes/tag-source.ts';
import { InMemoryRepository } from '../fakes/repository.ts';

/**
 * The cycle as a table, Flux style: each `testdata/<case>/` holds the repository `before/`, the
 * registries in `tags.json`, optionally `case.json` (settings and what the remote does), `human/`
 * (files a person pushes just before our first push) and `after/` (the target branch's tree after
 * the cycle, byte for byte; absent: untouched), and `report.json`, the report expected.
 */
interface Case {
  paths?: string[];
  now?: string;
  pushBranch?: string;
  maxAttempts?: number;
  /** The remote refuses every push with these words (a hook). */
  refusePushes?: string;
  /** The config's `policies`, by `namespace:name`. */
  policies?: Record<string, { policy: string; image?: string }>;
}

interface ExpectedReport {
  changes?: string[];
  /** Each by code and subject (or, where the subject may grow a line, by file). */
  problems?: { code: string; subject?: string; file?: string; message?: string }[];
  /** Each by level, code and subject. */
  notices?: { level: string; code: string; subject: string }[];
  locked?: string[];
  commit?: boolean;
  attempts?: number;
  /** listTags calls: once per repository, however many slots name it. */
  registryCalls?: number;
  /** The cycle fails with this code instead of reporting. */
  error?: string;
}

const root = join(import.meta.dirname, 'testdata');

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const full = join(at, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full).split(sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const readJson = <T>(path: string, fallback: T): T => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : fallback);

function changeLine(c: Change): string {
  return `${c.file}:${c.line} ${c.workload ?? c.kind} ${c.container ?? '-'} ${c.from} → ${c.to} (${c.policy})`;
}

function setup(dir: string) {
  const spec = readJson<Case>(join(dir, 'case.json'), {});
  const before = readTree(join(dir, 'before'));
  const human = existsSync(join(dir, 'human')) ? readTree(join(dir, 'human')) : undefined;
  const repo = new InMemoryRepository(before, {
    beforePush: (r, attempt) => {
      if (attempt === 1 && human !== undefined) r.humanCommit(human);
      return spec.refusePushes === undefined ? undefined : { refuse: spec.refusePushes };
    },
  });
  const tags = new FakeTagSource(readJson<TagsFile>(join(dir, 'tags.json'), {}));
  const waits: number[] = [];
  const deps: CycleDeps = {
    repo,
    tags,
    branch: 'main',
    pushBranch: spec.pushBranch,
    paths: spec.paths ?? ['.'],
    author: { name: 'tagpilot-bot', email: 'bot@example.com' },
    log: pino({ level: 'silent' }),
    maxAttempts: spec.maxAttempts,
    sleep: async (ms) => waits.push(ms),
    now: () => new Date(spec.now ?? '2024-06-01T12:00:00Z'),
  };
  if (spec.policies !== undefined) deps.namedPolicies = new Map(Object.entries(spec.policies).map(([name, p]) => [name, p.image === undefined ? { policy: parsePolicy(p.policy) } : { policy: parsePolicy(p.policy), image: p.image }]));
  return { spec, before, repo, tags, deps };
}

for (const name of readdirSync(root).sort()) {
  const dir = join(root, name);
  const expected = readJson<ExpectedReport>(join(dir, 'report.json'), {});

  test(`cycle ${name}: plan changes nothing in the repository`, async () => {
    const { repo, deps, before } = setup(dir);
    const head = repo.head();
    const planned = await plan(deps);
    assert.equal(repo.head(), head);
    assert.deepEqual(repo.files(), before);
    assert.equal(repo.pushes, 0);
    // What the first attempt would do; a race may change it later.
    if (expected.attempts === 1) assert.deepEqual(planned.changes.map(changeLine), expected.changes ?? []);
  });

  test(`cycle ${name}: runCycle gives the report and the tree expected`, async () => {
    const { spec, before, repo, tags, deps } = setup(dir);
    let report: CycleReport | undefined;
    try {
      report = await runCycle(deps);
    } catch (error) {
      assert.equal(errorCode(error), expected.error, (error as Error).message);
    }
    if (expected.error === undefined) {
      assert.ok(report !== undefined);
      assert.deepEqual(report.changes.map(changeLine), expected.changes ?? []);
      const wanted = expected.problems ?? [];
      assert.deepEqual(
        report.problems.map((p, i) => (wanted[i]?.subject === undefined ? { code: p.code, file: p.file } : { code: p.code, subject: p.subject })),
        wanted.map((p) => (p.subject === undefined ? { code: p.code, file: p.file } : { code: p.code, subject: p.subject })),
      );
      for (const [i, p] of wanted.entries()) if (p.message !== undefined) assert.ok(report.problems[i]!.message.includes(p.message), report.problems[i]!.message);
      assert.deepEqual(
        report.notices.map((n) => ({ level: n.level, code: n.code, subject: n.subject })),
        expected.notices ?? [],
      );
      assert.deepEqual(report.locked, expected.locked ?? []);
      assert.equal(report.commit !== undefined, expected.commit ?? false, 'commit');
      if (expected.attempts !== undefined) assert.equal(report.attempts, expected.attempts);
    }
    if (expected.registryCalls !== undefined) assert.equal(tags.calls.length, expected.registryCalls);
    const target = spec.pushBranch ?? 'main';
    const after = existsSync(join(dir, 'after')) ? readTree(join(dir, 'after')) : undefined;
    if (after === undefined) assert.ok(!repo.hasBranch(target) || repo.log(target).every((c) => c.author !== 'tagpilot-bot <bot@example.com>'), 'no commit of ours');
    else assert.deepEqual(repo.files(target), after);
    if (spec.pushBranch !== undefined) assert.deepEqual(repo.files('main'), before, 'the read branch is never written');
  });
}
