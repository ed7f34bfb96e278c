/**
 * The version rules on the tag lists popular images publish (written by hand from what Docker
 * Hub, lscr.io and Bitnami list; trimmed to the tags that matter, plus the floating and named
 * tags that sit next to them). One table per rule.
 */
import { runCases } from './cases.ts';

const nginx = [
  'latest',
  'mainline',
  'mainline-alpine',
  'stable',
  'stable-alpine',
  'alpine',
  'alpine-slim',
  'perl',
  'bookworm',
  '1',
  '1-alpine',
  '1.25',
  '1.25-alpine',
  '1.25.3',
  '1.25.3-alpine',
  '1.25.3-alpine3.18',
  '1.25.3-alpine-perl',
  '1.25.3-alpine3.18-perl',
  '1.25.3-alpine-slim',
  '1.25.3-bookworm',
  '1.25.3-perl',
  '1.25.3-bookworm-perl',
  '1.25.4',
  '1.25.4-alpine',
  '1.25.4-alpine3.18',
  '1.25.4-alpine-slim',
  '1.25.4-bookworm',
  '1.25.4-perl',
];
/** When 1.27.0 first appeared only as the Debian build (the case issue 11 opens with). */
const nginxDebianFirst = [...nginx, '1.27', '1.27.0', '1.27.0-bookworm', '1.27.0-perl'];
const nginxLater = [...nginxDebianFirst, '1.27-alpine', '1.27.0-alpine', '1.27.0-alpine3.19', '1.27.0-alpine-slim', '1.27.1-alpine3.20'];

const python = [
  'latest',
  'slim',
  'bookworm',
  'alpine',
  '3',
  '3-slim',
  '3.12',
  '3.12-slim',
  '3.12-slim-bookworm',
  '3.11.7',
  '3.11.7-slim-bookworm',
  '3.12.1',
  '3.12.1-slim',
  '3.12.1-slim-bookworm',
  '3.12.1-bookworm',
  '3.12.1-alpine',
  '3.12.1-alpine3.19',
  '3.12.1-windowsservercore-ltsc2022',
  '3.12.2',
  '3.12.2-slim',
  '3.12.2-slim-bookworm',
  '3.12.2-alpine3.19',
  '3.13.0a3',
  '3.13.0a3-slim-bookworm',
  '3.13.0rc1',
  '3.13.0rc1-slim-bookworm',
  '3.13.0rc2-slim-bookworm',
  '3.13.0',
  '3.13.0-slim-bookworm',
];

const node = [
  'latest',
  'lts',
  'lts-alpine',
  'current',
  'current-alpine',
  'iron',
  'iron-alpine',
  'hydrogen',
  '20',
  '20-alpine',
  '20-bookworm',
  '20-bookworm-slim',
  '20.11',
  '20.11-alpine',
  '20.11.0',
  '20.11.0-alpine',
  '20.11.0-alpine3.19',
  '20.11.0-bookworm',
  '20.11.0-bookworm-slim',
  '20.11.0-slim',
  '20.11.1',
  '20.11.1-alpine',
  '20.11.1-alpine3.19',
  '20.11.1-bookworm-slim',
  '21',
  '21-alpine',
  '21.6',
  '21.6.1',
  '21.6.1-alpine',
  '21.6.1-bookworm-slim',
];

const postgres = ['latest', 'alpine', 'bookworm', '15', '15.5', '15.5-alpine', '16', '16-alpine', '16-bookworm', '16.1', '16.1-alpine', '16.1-alpine3.19', '16.1-bookworm', '16.2', '16.2-alpine', '16.2-bookworm', '17', '17-alpine', '17.0', '17.0-alpine', '17rc1', '17rc1-alpine'];

const redis = ['latest', 'alpine', 'bookworm', '7', '7-alpine', '7.2', '7.2-alpine', '7.2.4', '7.2.4-alpine', '7.2.4-alpine3.19', '7.2.4-bookworm', '7.2.5', '7.2.5-alpine', '7.2.5-bookworm', '8', '8.0', '8.0-alpine', '8.0-M02', '8.0-M02-alpine'];

const linuxserverNginx = ['latest', 'version-1.24.0-r7', 'arm64v8-1.24.0-r7-ls252', '1.24.0-r7-ls252', '1.24.0-r7-ls253', '1.24.0-r8-ls254', '1.26.2-r0-ls280'];
const linuxserverSonarr = ['latest', 'develop', 'version-4.0.11.2680', '4.0.11.2680-ls262', '4.0.11.2680-ls263', '4.0.12.2823-ls264', 'develop-4.0.12.2832-ls130'];
const linuxserverPlex = ['latest', 'version-1.41.3.9314-a0bfb8370', '1.41.3.9314-a0bfb8370-ls250', '1.41.3.9314-a0bfb8370-ls251', '1.41.4.9463-630c9f557-ls252'];

const bitnamiPostgres = ['latest', '16', '16.1.0', '16.1.0-debian-11-r20', '16.1.0-debian-12-r3', '16.1.0-debian-12-r4', '16.2.0', '16.2.0-debian-12-r0', '16.2.0-debian-11-r21', '17.0.0-debian-12-r1'];

runCases('issue 11: the cases that picked wrong', [
  { name: 'nginx 1.25.3-alpine under semver:^1.25 stays on alpine (not the Debian 1.27.0)', policy: 'semver:^1.25', tags: nginxDebianFirst, current: '1.25.3-alpine', selected: '1.25.4-alpine', rejected: { '1.27.0': 'other-variant', '1.25.4-alpine3.18': 'other-variant' } },
  { name: 'nginx 1.25.3-alpine under minor stays on alpine (not the Debian 1.27.0)', policy: 'minor', tags: nginxDebianFirst, current: '1.25.3-alpine', selected: '1.25.4-alpine', rejected: { '1.27.0': 'other-variant', '1.25-alpine': 'other-precision' } },
  { name: 'redis 7.2.4 under major moves to 7.2.5, not the floating 8.0', policy: 'major', tags: redis, current: '7.2.4', selected: '7.2.5', rejected: { '8.0': 'other-precision', '8': 'other-precision', '7.2.5-alpine': 'other-variant' } },
  { name: 'redis 7.2.4 under semver:>=7 moves to 7.2.5, not the floating 8.0', policy: 'semver:>=7', tags: redis, current: '7.2.4', selected: '7.2.5', rejected: { '8.0': 'other-precision' } },
  { name: 'major on 1.4.5 picks 2.0.0, not the date 20240215', policy: 'major', tags: ['1.4.5', '1.5.0', '2.0.0', '20240215', '3050', 'latest'], current: '1.4.5', selected: '2.0.0', rejected: { '20240215': 'build-number', '3050': 'build-number' } },
]);

runCases('same variant', [
  { name: 'nginx alpine moves to the newest alpine once one exists', policy: 'minor', tags: nginxLater, current: '1.25.3-alpine', selected: '1.27.0-alpine', rejected: { '1.27.0-alpine3.19': 'other-variant', '1.27.1-alpine3.20': 'other-variant' } },
  { name: 'nginx plain stays plain', policy: 'minor', tags: nginxLater, current: '1.25.3', selected: '1.27.0', rejected: { '1.27.0-alpine': 'other-variant', '1.27.0-bookworm': 'other-variant' } },
  { name: 'nginx alpine3.18 is its own variant (not alpine3.19)', policy: 'minor', tags: nginxLater, current: '1.25.3-alpine3.18', selected: '1.25.4-alpine3.18', rejected: { '1.27.0-alpine3.19': 'other-variant' } },
  { name: 'nginx alpine-perl stays alpine-perl', policy: 'patch', tags: nginxLater, current: '1.25.3-alpine-perl', selected: '1.25.3-alpine-perl', changed: false, rejected: { '1.25.4-alpine': 'other-variant' } },
  { name: 'python slim-bookworm stays slim-bookworm', policy: 'patch', tags: python, current: '3.12.1-slim-bookworm', selected: '3.12.2-slim-bookworm', rejected: { '3.12.2': 'other-variant', '3.12.2-slim': 'other-variant' } },
  { name: 'python slim-bookworm under minor skips the 3.13 prereleases and takes 3.13.0', policy: 'minor', tags: python, current: '3.12.1-slim-bookworm', selected: '3.13.0-slim-bookworm', rejected: { '3.13.0rc2-slim-bookworm': 'prerelease-excluded' } },
  { name: 'python windowsservercore stays on Windows', policy: 'minor', tags: python, current: '3.12.1-windowsservercore-ltsc2022', selected: '3.12.1-windowsservercore-ltsc2022', changed: false, rejected: { '3.12.2': 'other-variant' } },
  { name: 'node bookworm-slim stays bookworm-slim', policy: 'semver:^20', tags: node, current: '20.11.0-bookworm-slim', selected: '20.11.1-bookworm-slim', rejected: { '20.11.1': 'other-variant', '21.6.1-bookworm-slim': 'outside-range' } },
  { name: 'node 20-alpine moves to 21-alpine under major', policy: 'major', tags: node, current: '20-alpine', selected: '21-alpine', rejected: { '21': 'other-variant', '21.6.1-alpine': 'other-precision' } },
  { name: 'postgres 16.1-alpine under minor moves to 16.2-alpine', policy: 'minor', tags: postgres, current: '16.1-alpine', selected: '16.2-alpine', rejected: { '16.1-alpine3.19': 'other-variant', '16.2': 'other-variant' } },
  { name: 'bitnami debian-12 stays on debian-12 (counter aside)', policy: 'minor', tags: bitnamiPostgres, current: '16.1.0-debian-12-r3', selected: '16.2.0-debian-12-r0', rejected: { '16.2.0-debian-11-r21': 'other-variant', '16.2.0': 'other-variant' } },
]);

runCases('same precision', [
  { name: 'postgres 16.1 under major moves to 17.0, not 17', policy: 'major', tags: postgres, current: '16.1', selected: '17.0', rejected: { '17': 'other-precision', '16': 'other-precision' } },
  { name: 'postgres 16.1 under minor moves to 16.2', policy: 'minor', tags: postgres, current: '16.1', selected: '16.2', rejected: { '17.0': 'outside-range' } },
  { name: 'postgres on the floating 16 moves to the floating 17', policy: 'major', tags: postgres, current: '16', selected: '17', rejected: { '17.0': 'other-precision' } },
  { name: 'node 20.11 (two parts) stays on two-part tags', policy: 'minor', tags: node, current: '20.11', selected: '20.11', changed: false, rejected: { '20.11.1': 'other-precision', '21.6': 'outside-range' } },
  { name: 'redis 7.2 (floating minor) takes no patch release', policy: 'minor', tags: redis, current: '7.2', selected: '7.2', changed: false, rejected: { '7.2.5': 'other-precision', '8.0': 'outside-range' } },
  { name: 'a CI build number never competes with dotted versions', policy: 'semver:*', tags: ['1.2.3', '1.3.0', '3050', '3051'], current: '1.2.3', selected: '1.3.0', rejected: { '3051': 'build-number' } },
  { name: 'a build number moves to the next build number', policy: 'semver:*', tags: ['1.2.3', '3050', '3051'], current: '3050', selected: '3051', rejected: { '1.2.3': 'other-precision' } },
  { name: 'dates move to later dates', policy: 'major', tags: ['20240101', '20240215', '1.0.0'], current: '20240101', selected: '20240215', rejected: { '1.0.0': 'other-precision' } },
]);

runCases('build counters', [
  { name: 'linuxserver counter moves forward within a version', policy: 'patch', tags: linuxserverNginx, current: '1.24.0-r7-ls252', selected: '1.24.0-r8-ls254', rejected: { '1.24.0-r7-ls253': 'not-newest', 'version-1.24.0-r7': 'not-a-version' } },
  { name: 'linuxserver: a newer version with any counter beats an older one', policy: 'minor', tags: linuxserverNginx, current: '1.24.0-r8-ls254', selected: '1.26.2-r0-ls280' },
  { name: 'linuxserver sonarr four-part version with counter', policy: 'minor', tags: linuxserverSonarr, current: '4.0.11.2680-ls262', selected: '4.0.12.2823-ls264', rejected: { 'develop-4.0.12.2832-ls130': 'not-a-version' } },
  { name: 'linuxserver plex: the commit hash in the tag is not a variant', policy: 'patch', tags: linuxserverPlex, current: '1.41.3.9314-a0bfb8370-ls250', selected: '1.41.4.9463-630c9f557-ls252' },
  { name: 'issue 11: 1.28.0-ls140 over 1.27.2-ls134 under minor', policy: 'minor', tags: ['1.27.2-ls134', '1.27.2-ls135', '1.28.0-ls140'], current: '1.27.2-ls134', selected: '1.28.0-ls140' },
  { name: 'bitnami revision moves forward within a version', policy: 'patch', tags: bitnamiPostgres, current: '16.1.0-debian-12-r3', selected: '16.1.0-debian-12-r4', rejected: { '16.1.0-debian-11-r20': 'other-variant', '16.2.0-debian-12-r0': 'outside-range' } },
  { name: 'an older counter is never taken', policy: 'patch', tags: ['1.27.2-ls132', '1.27.2-ls133'], current: '1.27.2-ls133', selected: '1.27.2-ls133', changed: false, rejected: { '1.27.2-ls132': 'older-than-current' } },
]);

runCases('prereleases and commit hashes', [
  { name: 'redis milestone previews stay out', policy: 'semver:>=7 precision=any', tags: redis, current: '7.2.4', selected: '8.0', rejected: { '8.0-M02': 'prerelease-excluded' } },
  { name: 'python rc of the current core moves to the next rc, then the release', policy: 'patch', tags: python, current: '3.13.0rc1-slim-bookworm', selected: '3.13.0-slim-bookworm', rejected: { '3.13.0rc2-slim-bookworm': 'not-newest' } },
  { name: 'postgres 17rc1 (glued prerelease) stays out of a release slot', policy: 'major', tags: postgres, current: '16', selected: '17', rejected: { '17rc1': 'prerelease-excluded' } },
  { name: 'commit-hash tags are never versions', policy: 'semver:*', tags: ['1.0.0', '1.1.0', '3f2a1b9', 'a0bfb8370cafe'], current: '1.0.0', selected: '1.1.0', rejected: { '3f2a1b9': 'commit-hash', a0bfb8370cafe: 'commit-hash' } },
]);

runCases('new slots', [
  { name: 'nginx without a tag takes the plain, most explicit version', policy: 'semver:^1.25', tags: nginxLater, selected: '1.27.0', rejected: { '1.27': 'other-precision', '1.27.0-alpine': 'other-variant' } },
  { name: 'node without a tag takes 21.6.1 under semver:*', policy: 'semver:*', tags: node, selected: '21.6.1', rejected: { '21': 'other-precision', '21.6.1-alpine': 'other-variant', lts: 'not-a-version' } },
  { name: 'postgres without a tag takes two-part 17.0', policy: 'semver:*', tags: postgres, selected: '17.0', rejected: { '17': 'other-precision' } },
  { name: 'latest is replaced by the plain, most explicit version', policy: 'semver:^7', tags: redis, current: 'latest', selected: '7.2.5', rejected: { '7.2': 'other-precision', '7.2.5-alpine': 'other-variant' } },
  { name: 'variant= chooses the variant of a new slot', policy: 'semver:^7 variant=alpine', tags: redis, selected: '7.2.5-alpine', rejected: { '7.2.5': 'other-variant', '7-alpine': 'other-precision' } },
  { name: 'precision= chooses the precision of a new slot', policy: 'semver:^7 precision=2', tags: redis, selected: '7.2', rejected: { '7.2.5': 'other-precision' } },
]);

runCases('widened by options', [
  { name: 'variant=any moves alpine to the newest version, keeping alpine among equals', policy: 'minor variant=any', tags: nginxDebianFirst, current: '1.25.3-alpine', selected: '1.27.0' },
  { name: 'variant=plain leaves alpine for plain on purpose', policy: 'patch variant=plain', tags: nginx, current: '1.25.3-alpine', selected: '1.25.4', rejected: { '1.25.4-alpine': 'other-variant' } },
  { name: 'variant=<regex> follows alpine3.x releases', policy: 'minor variant=alpine3\\.\\d+', tags: nginxLater, current: '1.25.3-alpine3.18', selected: '1.27.1-alpine3.20' },
  { name: 'precision=any moves 7.2 to 7.2.5', policy: 'patch precision=any', tags: redis, current: '7.2', selected: '7.2.5' },
  { name: 'precision=any keeps an equal version as written (7.2 is not 7.2.0)', policy: 'patch precision=any', tags: ['7.2', '7.2.0'], current: '7.2', selected: '7.2', changed: false, rejected: { '7.2.0': 'equal-to-current' } },
  { name: 'prerelease=any takes a newer prerelease', policy: 'minor prerelease=any', tags: python, current: '3.12.1-slim-bookworm', selected: '3.13.0-slim-bookworm' },
  { name: 'prerelease=any takes a prerelease when it is the newest', policy: 'patch prerelease=any', tags: ['1.2.3', '1.2.4-rc.1'], current: '1.2.3', selected: '1.2.4-rc.1' },
]);
