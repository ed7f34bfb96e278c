import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeLocation, parseRemoteUrl } from '../../src/git/url.ts';

test('an https URL is an http remote', () => {
  const location = parseRemoteUrl('https://git.example.com/org/fleet.git');
  assert.equal(location.kind, 'http');
});

test('an ssh:// URL gives user, host, port and absolute path', () => {
  assert.deepEqual(parseRemoteUrl('ssh://deploy@git.example.com:2222/srv/git/fleet.git'), { kind: 'ssh', host: 'git.example.com', port: 2222, user: 'deploy', path: '/srv/git/fleet.git' });
});

test('an ssh:// URL without user or port means git@ on port 22', () => {
  assert.deepEqual(parseRemoteUrl('ssh://git.example.com/fleet.git'), { kind: 'ssh', host: 'git.example.com', port: 22, user: 'git', path: '/fleet.git' });
});

test('the scp-like form gives a path relative to the home directory', () => {
  assert.deepEqual(parseRemoteUrl('git@github.com:org/fleet.git'), { kind: 'ssh', host: 'github.com', port: 22, user: 'git', path: 'org/fleet.git' });
});

test('ssh://host/~/path is relative to the home directory', () => {
  assert.equal((parseRemoteUrl('ssh://git@h/~/fleet.git') as { path: string }).path, '~/fleet.git');
});

test('an ssh:// URL with a password is refused', () => {
  assert.throws(() => parseRemoteUrl('ssh://git:secret@h/fleet.git'), /must not carry a password/);
});

test('descriptions never carry credentials', () => {
  assert.equal(describeLocation(parseRemoteUrl('https://bot:s3cret@git.example.com/fleet.git')), 'https://git.example.com/fleet.git');
});

test('something that is not a git URL is refused', () => {
  assert.throws(() => parseRemoteUrl('/srv/git/fleet.git'), /not a git URL/);
});
