import { built, runCases } from './cases.ts';
import { parsePolicy } from '../../src/policy/index.ts';

runCases('glob', [
  { name: 'picks the newest build among matching tags', policy: 'glob:main-*', tags: [built('main-aaa', 3), built('main-bbb', 5), built('dev-ccc', 9)], selected: 'main-bbb', rejected: { 'dev-ccc': 'filter-mismatch', 'main-aaa': 'not-newest' } },
  { name: 'rejects matching tags without a build time', policy: 'glob:main-*', tags: [built('main-aaa', 3), { tag: 'main-bbb' }], selected: 'main-aaa', rejected: { 'main-bbb': 'unknown-build-time' } },
  { name: 'breaks equal build times by numeric-aware tag order', policy: 'glob:1.2.*', tags: [built('1.2.9', 4), built('1.2.10', 4)], selected: '1.2.10' },
  { name: 'does not churn between tags of the same build', policy: 'glob:*', tags: [built('main-aaa', 4), built('v1.0.0', 4)], current: 'main-aaa', selected: 'main-aaa', changed: false, rejected: { 'v1.0.0': 'equal-to-current' } },
  { name: 'never moves to an older build than the current tag', policy: 'glob:main-*', tags: [built('main-old', 1), built('hotfix-x', 6)], current: 'hotfix-x', selected: 'hotfix-x', changed: false, rejected: { 'main-old': 'older-than-current' } },
  { name: 'holds a current tag that is not listed: its build time is unknown, a candidate may be older', policy: 'glob:main-*', tags: [built('main-aaa', 3)], current: 'main-new', selected: 'main-new', changed: false, rejected: { 'main-aaa': 'current-unranked' } },
  { name: 'holds a listed current tag without a build time', policy: 'glob:main-*', tags: [built('main-aaa', 3), { tag: 'main-new' }], current: 'main-new', selected: 'main-new', changed: false, rejected: { 'main-aaa': 'current-unranked' } },
  { name: 'replaces a current tag of unknown build time only when downgrades are allowed', policy: { ...parsePolicy('glob:main-*'), allowDowngrade: true }, tags: [built('main-aaa', 3)], current: 'main-new', selected: 'main-aaa', changed: true },
  { name: 'supports character classes and braces', policy: 'glob:{main,release}-[0-9]*', tags: [built('main-1', 1), built('release-2', 2), built('release-x', 3)], selected: 'release-2' },
]);

runCases('regexp', [
  { name: 'is unanchored unless anchored', policy: 'regexp:rc', tags: [built('1.0-rc1', 2), built('1.0', 3)], selected: '1.0-rc1' },
  { name: 'alias regex: behaves the same', policy: 'regex:^main-', tags: [built('main-a', 1), built('main-b', 2), built('xmain-c', 3)], selected: 'main-b' },
  { name: 'orders by build time without a named group', policy: 'regexp:^build-\\d+$', tags: [built('build-9', 5), built('build-10', 1)], selected: 'build-9' },
  { name: 'by build time, holds a current tag that is not listed', policy: 'regexp:^build-\\d+$', tags: [built('build-1', 5)], current: 'build-2', selected: 'build-2', changed: false, rejected: { 'build-1': 'current-unranked' } },
  { name: 'by a named capture, ranks a current tag that is not listed by its name', policy: 'regexp:^build-(?<n>\\d+)$', tags: ['build-1', 'build-3'], current: 'build-2', selected: 'build-3', changed: true },
  { name: 'orders by a numeric named capture', policy: 'regexp:^build-(?<n>\\d+)$', tags: ['build-9', 'build-10', 'build-x'], selected: 'build-10', rejected: { 'build-x': 'filter-mismatch' } },
  { name: 'orders by a version named capture', policy: 'regexp:^app-(?<v>.+)$', tags: ['app-1.9.0', 'app-1.10.0'], selected: 'app-1.10.0' },
  { name: 'orders numbers too long for a version part as numbers', policy: 'regexp:^t(?<ms>\\d+)$', tags: ['t99999999999999999', 't100000000000000000', 't5'], selected: 't100000000000000000' },
  { name: 'orders text captures alphabetically, below versions', policy: 'regexp:^(?<c>.+)-x$', tags: ['beta-x', 'alpha-x', '1.0-x'], selected: '1.0-x' },
  { name: 'orders by the group named order when there are several', policy: 'regexp:^(?<branch>\\w+)-(?<order>\\d+)$', tags: ['zeta-1', 'alpha-2'], selected: 'alpha-2' },
  { name: 'keeps the current tag when its capture is equal', policy: 'regexp:^(?<ts>\\d+)-', tags: ['100-a', '100-b'], current: '100-b', selected: '100-b', changed: false },
  { name: 'never downgrades by capture', policy: 'regexp:^b(?<n>\\d+)$', tags: ['b3', 'b4'], current: 'b7', selected: 'b7', changed: false },
]);

runCases('alphabetical', [
  { name: 'picks the highest tag in byte order by default (asc)', policy: 'alphabetical', tags: ['2026-01-02', '2026-01-10', '2025-12-31'], selected: '2026-01-10' },
  { name: 'desc picks the lowest', policy: 'alphabetical:desc', tags: ['b', 'a', 'c'], selected: 'a' },
  { name: 'filters with a regex and orders by its named capture', policy: 'alphabetical:^main-(?<ts>[0-9T]+)-', tags: ['main-20260101T10-abc', 'main-20260102T09-aaa', 'dev-20270101T00-x'], selected: 'main-20260102T09-aaa', rejected: { 'dev-20270101T00-x': 'filter-mismatch' } },
  { name: 'asc: with a regex is the explicit default', policy: 'alphabetical:asc:^v', tags: ['v1', 'v2', 'x9'], selected: 'v2' },
  { name: 'is byte order, not numeric (9 after 10)', policy: 'alphabetical', tags: ['9', '10'], selected: '9' },
]);

runCases('numerical', [
  { name: 'picks the highest number', policy: 'numerical', tags: ['9', '10', '100', 'latest'], selected: '100', rejected: { latest: 'not-a-number' } },
  { name: 'desc picks the lowest number', policy: 'numerical:desc', tags: ['9', '10', '100'], selected: '9' },
  { name: 'orders decimals exactly', policy: 'numerical', tags: ['1.5', '1.25', '1.45'], selected: '1.5' },
  { name: 'orders numbers beyond double precision exactly', policy: 'numerical', tags: ['90071992547409931', '90071992547409930'], selected: '90071992547409931' },
  { name: 'orders by a named capture', policy: 'numerical:^build-(?<n>\\d+)-', tags: ['build-7-abc', 'build-12-def', 'x-99-y'], selected: 'build-12-def' },
  { name: 'rejects a capture that is not a number', policy: 'numerical:^build-(?<n>\\w+)$', tags: ['build-7', 'build-x'], selected: 'build-7', rejected: { 'build-x': 'not-a-number' } },
  { name: 'keeps an equal number spelled differently', policy: 'numerical', tags: ['010', '10'], current: '10', selected: '10', changed: false },
]);
