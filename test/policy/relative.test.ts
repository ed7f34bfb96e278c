import { runCases } from './cases.ts';

const tags = ['1.2.3', '1.2.4', '1.2.10', '1.3.0', '1.4.0-rc.1', '2.0.0', '2.1.0', '3.0.0-beta.1', 'latest'];

runCases('relative', [
  { name: 'patch moves only the patch part', policy: 'patch', tags, current: '1.2.3', selected: '1.2.10', rejected: { '1.3.0': 'outside-range', '2.0.0': 'outside-range' } },
  { name: 'minor moves minor and patch, not major', policy: 'minor', tags, current: '1.2.3', selected: '1.3.0', rejected: { '2.1.0': 'outside-range' } },
  { name: 'major moves to the newest release of any major', policy: 'major', tags, current: '1.2.3', selected: '2.1.0' },
  { name: 'all also takes prereleases', policy: 'all', tags, current: '1.2.3', selected: '3.0.0-beta.1' },
  { name: 'a newer major does not hide the best minor', policy: 'minor', tags: ['1.2.3', '1.9.0', '5.0.0'], current: '1.2.3', selected: '1.9.0' },
  { name: 'a newer minor does not hide the best patch', policy: 'patch', tags: ['1.2.3', '1.2.7', '1.3.0'], current: '1.2.3', selected: '1.2.7' },
  { name: 'excludes prereleases of another release', policy: 'minor', tags, current: '1.2.3', selected: '1.3.0', rejected: { '1.4.0-rc.1': 'prerelease-excluded' } },
  { name: "takes a later prerelease of the current prerelease's release", policy: 'patch', tags: ['1.4.0-rc.1', '1.4.0-rc.2'], current: '1.4.0-rc.1', selected: '1.4.0-rc.2' },
  { name: 'takes the release of the current prerelease', policy: 'patch', tags: ['1.4.0-rc.2', '1.4.0'], current: '1.4.0-rc.1', selected: '1.4.0' },
  { name: 'keeps the v prefix family as written in the tag list', policy: 'minor', tags: ['v1.2.3', 'v1.3.0'], current: 'v1.2.3', selected: 'v1.3.0' },
  { name: 'treats a missing minor as zero (precision widened)', policy: 'patch precision=any', tags: ['1.0.1', '1.1.0'], current: '1', selected: '1.0.1' },
  { name: 'keeps a one-part current tag to one-part candidates', policy: 'patch', tags: ['1.0.1', '1.1.0'], current: '1', selected: '1', changed: false, rejected: { '1.0.1': 'other-precision' } },
  { name: 'without a current tag nothing is selected', policy: 'minor', tags, selected: null, rejected: { '1.3.0': 'no-current-version' } },
  { name: 'with a current tag that is not a version nothing changes', policy: 'major', tags, current: 'latest', selected: 'latest', changed: false, rejected: { '2.1.0': 'no-current-version' } },
  { name: 'never downgrades', policy: 'major', tags: ['1.0.0', '1.1.0'], current: '1.5.0', selected: '1.5.0', changed: false, rejected: { '1.1.0': 'older-than-current' } },
]);
