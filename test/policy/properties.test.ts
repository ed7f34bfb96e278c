/** Properties every policy kind must hold, over generated tag lists (versions, prereleases, junk). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isValidTag } from '../../src/image/ref.ts';
import { compareCaptures, toCapture } from '../../src/policy/ordered.ts';
import { compareVersions, parseFilters, parsePolicy, parseVersion, selectTag, withDowngrade, withFilters, type TagInfo } from '../../src/policy/index.ts';

const POLICIES = ['semver:*', 'semver:^1', 'semver:>=1.0.0-0', 'glob:*', 'glob:1.*', 'regexp:^v', 'regexp:(?<n>\\d+)$', 'alphabetical', 'alphabetical:desc', 'numerical', 'numerical:desc:^(?<n>\\d+)', 'major', 'minor', 'patch', 'all'];
const VERSION_POLICIES = ['semver:*', 'semver:^1', 'semver:>=1.0.0-0', 'major', 'minor', 'patch', 'all'];

const version = fc.tuple(fc.boolean(), fc.array(fc.nat(12), { minLength: 1, maxLength: 4 }), fc.option(fc.tuple(fc.constantFrom('rc', 'alpha', 'beta', 'rc.'), fc.nat(12)))).map(([v, parts, pre]) => `${v ? 'v' : ''}${parts.join('.')}${pre === null ? '' : `-${pre[0]}${pre[1]}`}`);
const junk = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,12}$/);
const invalid = fc.constantFrom('', '-x', 'a b', 'x'.repeat(129), 'ümlaut');
const tagName = fc.oneof({ arbitrary: version, weight: 6 }, { arbitrary: junk, weight: 3 }, { arbitrary: invalid, weight: 1 });
const tagInfo = fc.record({ tag: tagName, created: fc.option(fc.integer({ min: 0, max: 20 }).map((day) => new Date(Date.UTC(2026, 0, 1 + day)))) }).map(({ tag, created }): TagInfo => (created === null ? { tag } : { tag, created }));
const tagList = fc.uniqueArray(tagInfo, { selector: (info) => info.tag, maxLength: 25 });
const current = fc.option(tagName, { nil: undefined });
const policyText = fc.constantFrom(...POLICIES);

const comparable = (selection: ReturnType<typeof selectTag>) => ({
  selected: selection.selected,
  changed: selection.changed,
  rejected: selection.rejected.map((r) => `${r.tag} ${r.reason}`).sort(),
});

test('property: the selection does not depend on the order of the tag list', () => {
  fc.assert(
    fc.property(policyText, tagList, current, fc.nat(), (text, tags, tag, seed) => {
      const policy = parsePolicy(text);
      const shuffled = [...tags].sort((a, b) => (hash(a.tag) ^ seed) - (hash(b.tag) ^ seed));
      assert.deepEqual(comparable(selectTag(policy, shuffled, { tag })), comparable(selectTag(policy, tags, { tag })));
    }),
    { numRuns: 400 },
  );
});

test('property: every tag but the selected one is explained exactly once', () => {
  fc.assert(
    fc.property(policyText, tagList, current, (text, tags, tag) => {
      const selection = selectTag(parsePolicy(text), tags, { tag });
      const explained = selection.rejected.map((r) => r.tag);
      assert.deepEqual(
        explained,
        tags.map((info) => info.tag).filter((name) => name !== selection.selected),
      );
    }),
    { numRuns: 300 },
  );
});

test('property: an ignored tag is never selected (unless it is already the current tag)', () => {
  fc.assert(
    fc.property(policyText, tagList, current, fc.constantFrom('*-rc*', '1.*', 'v*', '*'), (text, tags, tag, ignore) => {
      const policy = withFilters(parsePolicy(text), parseFilters({ ignore }));
      const selection = selectTag(policy, tags, { tag });
      if (selection.selected === null || selection.selected === tag) return;
      assert.ok(!selection.rejected.some((r) => r.reason === 'ignored' && r.tag === selection.selected));
      assert.ok(!policy.filters.ignore.some((matcher) => matcher.test(selection.selected ?? '')));
    }),
    { numRuns: 300 },
  );
});

test('property: a new selection always passes min-age and platform filters', () => {
  const now = new Date(Date.UTC(2026, 0, 15));
  const withPlatforms = tagList.chain((tags) => fc.tuple(...tags.map(() => fc.option(fc.subarray(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']), { nil: undefined }))).map((platforms) => tags.map((info, i) => (platforms[i] === undefined ? info : { ...info, platforms: platforms[i] }))));
  fc.assert(
    fc.property(policyText, withPlatforms, current, (text, tags, tag) => {
      const policy = withFilters(parsePolicy(text), parseFilters({ minAge: '5d', platforms: 'linux/arm64' }));
      const selection = selectTag(policy, tags, { tag }, { now });
      if (!selection.changed) return;
      const chosen = tags.find((info) => info.tag === selection.selected);
      assert.ok(chosen?.created !== undefined && now.getTime() - chosen.created.getTime() >= 5 * 86_400_000, 'old enough');
      assert.ok(
        chosen.platforms?.some((p) => p.startsWith('linux/arm64')),
        'built for linux/arm64',
      );
    }),
    { numRuns: 300 },
  );
});

test('property: a tag the policy rejects is never selected', () => {
  fc.assert(
    fc.property(policyText, tagList, current, (text, tags, tag) => {
      const selection = selectTag(parsePolicy(text), tags, { tag });
      if (selection.changed) assert.ok(!selection.rejected.some((r) => r.tag === selection.selected));
    }),
    { numRuns: 300 },
  );
});

test('property: a version policy never selects a version below the current one', () => {
  fc.assert(
    fc.property(fc.constantFrom(...VERSION_POLICIES), tagList, version, (text, tags, tag) => {
      const selection = selectTag(parsePolicy(text), tags, { tag });
      const [from, to] = [parseVersion(tag), parseVersion(selection.selected ?? '')];
      assert.ok(from !== null && to !== null, `selected ${selection.selected} from ${tag}`);
      assert.ok(compareVersions(to, from) >= 0, `${tag} → ${selection.selected}`);
      if (selection.changed) assert.ok(compareVersions(to, from) > 0, `changed to an equal version: ${tag} → ${selection.selected}`);
    }),
    { numRuns: 400 },
  );
});

test('property: selecting again from the selected tag changes nothing (idempotent)', () => {
  fc.assert(
    fc.property(policyText, fc.boolean(), tagList, current, (text, downgrade, tags, tag) => {
      const policy = downgrade ? withDowngrade(parsePolicy(text)) : parsePolicy(text);
      const first = selectTag(policy, tags, { tag });
      const second = selectTag(policy, tags, first.selected === null ? {} : { tag: first.selected });
      assert.equal(second.selected, first.selected);
      assert.equal(second.changed, false);
    }),
    { numRuns: 400 },
  );
});

test('property: the version order is total, antisymmetric and transitive', () => {
  fc.assert(
    fc.property(version, version, version, (a, b, c) => {
      const [x, y, z] = [a, b, c].map((tag) => parseVersion(tag) ?? assert.fail(tag));
      assert.ok(x && y && z);
      assert.equal(Math.sign(compareVersions(x, y)) + Math.sign(compareVersions(y, x)), 0);
      if (compareVersions(x, y) <= 0 && compareVersions(y, z) <= 0) assert.ok(compareVersions(x, z) <= 0);
    }),
    { numRuns: 1000 },
  );
});

test('property: the capture order is total, antisymmetric and transitive', () => {
  const capture = fc.oneof(version, junk, fc.stringMatching(/^\d{1,20}$/)).map(toCapture);
  fc.assert(
    fc.property(capture, capture, capture, (x, y, z) => {
      assert.equal(Math.sign(compareCaptures(x, y)) + Math.sign(compareCaptures(y, x)), 0);
      if (compareCaptures(x, y) <= 0 && compareCaptures(y, z) <= 0) assert.ok(compareCaptures(x, z) <= 0, `${x.text} ${y.text} ${z.text}`);
    }),
    { numRuns: 2000 },
  );
});

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h;
}

test('property: a build-time policy never moves to an older build than the current tag', () => {
  fc.assert(
    fc.property(fc.constantFrom('glob:*', 'regexp:^v'), tagList, fc.nat(30), (text, tags, pick) => {
      const current = tags[pick % Math.max(tags.length, 1)];
      if (current?.created === undefined || !isValidTag(current.tag)) return;
      const selection = selectTag(parsePolicy(text), tags, { tag: current.tag });
      if (!selection.changed) return;
      const chosen = tags.find((info) => info.tag === selection.selected);
      assert.ok((chosen?.created?.getTime() ?? -1) > current.created.getTime(), `${current.tag} → ${selection.selected}`);
    }),
    { numRuns: 400 },
  );
});

/** Versions as registries publish them: variants, build counters, prereleases, floating precisions. */
const variantTag = fc
  .tuple(fc.array(fc.nat(6), { minLength: 1, maxLength: 4 }), fc.option(fc.constantFrom('rc.1', 'rc2', 'beta.3'), { nil: undefined }), fc.constantFrom('', 'alpine', 'alpine3.19', 'slim-bookworm', 'debian-12', 'bookworm'), fc.option(fc.constantFrom('ls7', 'ls12', 'r1', 'r3-ls300'), { nil: undefined }))
  .map(([core, pre, variant, counter]) => [core.join('.'), pre, variant === '' ? undefined : variant, counter].filter((part) => part !== undefined).join('-'));
const mixedList = fc.uniqueArray(fc.oneof({ arbitrary: variantTag, weight: 8 }, { arbitrary: fc.constantFrom('latest', '3f2a1b9', '20240215', '3050'), weight: 1 }), { maxLength: 30 }).map((tags) => tags.map((tag) => ({ tag })));
const versionPolicy = fc.constantFrom('semver:*', 'semver:>=1', 'major', 'minor', 'patch', 'all');

test("property: a new candidate shares the current tag's variant and precision (unless widened)", () => {
  fc.assert(
    fc.property(versionPolicy, mixedList, variantTag, (text, tags, tag) => {
      const selection = selectTag(parsePolicy(text), tags, { tag });
      if (!selection.changed || selection.selected === null) return;
      const [from, to] = [parseVersion(tag), parseVersion(selection.selected)];
      assert.ok(from !== null && to !== null);
      assert.equal(to.variant, from.variant, `${tag} → ${selection.selected}`);
      assert.equal(to.release.length, from.release.length, `${tag} → ${selection.selected}`);
    }),
    { numRuns: 500 },
  );
});

test('property: variant=any and precision=any never downgrade, and only widen what they name', () => {
  fc.assert(
    fc.property(versionPolicy, fc.constantFrom('variant=any', 'precision=any', 'variant=any precision=any', 'variant=plain', 'variant=alpine.*'), mixedList, variantTag, (text, options, tags, tag) => {
      const selection = selectTag(parsePolicy(`${text} ${options}`), tags, { tag });
      if (selection.selected === null) return;
      const [from, to] = [parseVersion(tag), parseVersion(selection.selected)];
      assert.ok(from !== null && to !== null);
      assert.ok(compareVersions(to, from) >= 0, `downgrade ${tag} → ${selection.selected}`);
      if (!selection.changed) return;
      assert.ok(compareVersions(to, from) > 0, `churn ${tag} → ${selection.selected}`);
      if (!options.includes('variant')) assert.equal(to.variant, from.variant);
      if (!options.includes('precision')) assert.equal(to.release.length, from.release.length);
      if (options === 'variant=plain') assert.equal(to.variant, '');
      if (options === 'variant=alpine.*') assert.ok(to.variant.startsWith('alpine'));
    }),
    { numRuns: 500 },
  );
});

test('property: a new slot takes the plain variant and the most numeric parts among the candidates', () => {
  fc.assert(
    fc.property(fc.constantFrom('semver:*', 'semver:>=1'), mixedList, (text, tags) => {
      const selection = selectTag(parsePolicy(text), tags, {});
      if (selection.selected === null) return;
      const chosen = parseVersion(selection.selected);
      assert.ok(chosen !== null);
      assert.equal(chosen.variant, '');
      const rivals = selection.rejected.filter((r) => r.reason === 'not-newest').map((r) => parseVersion(r.tag)?.release.length ?? 0);
      assert.ok(
        rivals.every((parts) => parts === chosen.release.length),
        `${selection.selected} vs ${rivals.join(',')}`,
      );
    }),
    { numRuns: 400 },
  );
});
