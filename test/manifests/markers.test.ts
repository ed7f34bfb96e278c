import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markerAfter } from '../../src/manifests/markers.ts';

const after = (line: string) => markerAfter(line, line.indexOf('X') + 1);

test('a tagpilot marker without a part word marks a whole reference; its policy may hold spaces', () => {
  assert.deepEqual(after('image: X # tagpilot: semver:>=1.2 <2'), { marker: { syntax: 'tagpilot', part: 'ref', policyText: 'semver:>=1.2 <2' } });
});

test('tag, name and digest are parts only as whole words: digest:latest is a policy', () => {
  assert.deepEqual(after('t: X # tagpilot: tag semver:^1'), { marker: { syntax: 'tagpilot', part: 'tag', policyText: 'semver:^1' } });
  assert.deepEqual(after('n: X # tagpilot: name'), { marker: { syntax: 'tagpilot', part: 'name', policyText: undefined } });
  assert.deepEqual(after('d: X # tagpilot: digest'), { marker: { syntax: 'tagpilot', part: 'digest', policyText: undefined } });
  assert.deepEqual(after('i: X # tagpilot: digest:latest'), { marker: { syntax: 'tagpilot', part: 'ref', policyText: 'digest:latest' } });
});

test('a tag marker needs a policy, a name marker takes none, an empty marker is a problem', () => {
  assert.ok(Object.hasOwn(after('t: X # tagpilot: tag') ?? {}, 'problem'));
  assert.ok(Object.hasOwn(after('n: X # tagpilot: name semver:^1') ?? {}, 'problem'));
  assert.ok(Object.hasOwn(after('i: X # tagpilot:') ?? {}, 'problem'));
});

test('Flux markers: whole reference, or a :tag, :name or :digest part', () => {
  assert.deepEqual(after('i: X # {"$imagepolicy": "flux-system:app"}'), { marker: { syntax: 'flux', part: 'ref', policyName: 'flux-system:app' } });
  assert.deepEqual(after('t: X # {"$imagepolicy": "ns:app:tag"}'), { marker: { syntax: 'flux', part: 'tag', policyName: 'ns:app' } });
  assert.ok(Object.hasOwn(after('t: X # {"$imagepolicy": "ns:app:size"}') ?? {}, 'problem'));
  assert.ok(Object.hasOwn(after('t: X # {"$imagepolicy": "ns"}') ?? {}, 'problem'));
  assert.ok(Object.hasOwn(after('t: X # {"$imagepolicy": ns:app}') ?? {}, 'problem'));
});

test('only a comment on the same line counts, CRLF included; other comments are not markers', () => {
  assert.equal(after('i: X\n# tagpilot: semver:^1'), undefined);
  assert.equal(after('i: X # just a note'), undefined);
  assert.equal(after('i: X, y # tagpilot: semver:^1'), undefined);
  assert.deepEqual(after('i: X # tagpilot: semver:^1\r\nnext: 1'), { marker: { syntax: 'tagpilot', part: 'ref', policyText: 'semver:^1' } });
});
