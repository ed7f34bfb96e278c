import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { authsKeyHost, Credentials, type DockerConfig } from '../../src/registry/credentials.ts';
import { tempDir } from './helpers.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('dockerconfigjson "auths" entries', () => {
  const cases: [string, DockerConfig, string, object | undefined][] = [
    ['"auth" is base64 user:password', { auths: { 'ghcr.io': { auth: b64('me:pa:ss') } } }, 'ghcr.io', { kind: 'basic', username: 'me', password: 'pa:ss' }],
    ['username and password fields', { auths: { 'ghcr.io': { username: 'me', password: 'pw' } } }, 'ghcr.io', { kind: 'basic', username: 'me', password: 'pw' }],
    ['identitytoken wins over auth', { auths: { 'ghcr.io': { auth: b64('me:pw'), identitytoken: 'refresh' } } }, 'ghcr.io', { kind: 'identity', identityToken: 'refresh' }],
    ['Docker Hub written the way docker login writes it', { auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } } }, 'docker.io', { kind: 'basic', username: 'hub', password: 'pw' }],
    ['a key with scheme and path', { auths: { 'https://registry.example.com:5000/v2/': { auth: b64('a:b') } } }, 'registry.example.com:5000', { kind: 'basic', username: 'a', password: 'b' }],
    ['another host gets nothing', { auths: { 'ghcr.io': { auth: b64('me:pw') } } }, 'quay.io', undefined],
    ['an empty entry (credsStore leaves those) gets nothing', { auths: { 'ghcr.io': {} } }, 'ghcr.io', undefined],
  ];
  for (const [name, config, host, expected] of cases) {
    test(name, async () => {
      const credential = await new Credentials({ dockerConfig: config }).get(host);
      if (expected === undefined) return assert.equal(credential, undefined);
      assert.partialDeepStrictEqual(credential, expected);
    });
  }

  test('a credential fingerprint differs per secret and never contains it', async () => {
    const a = await new Credentials({ dockerConfig: { auths: { h: { auth: b64('u:one') } } } }).get('h');
    const b = await new Credentials({ dockerConfig: { auths: { h: { auth: b64('u:two') } } } }).get('h');
    assert.notEqual(a?.id, b?.id);
    assert.doesNotMatch(a?.id ?? '', /one/);
  });

  test('auths keys are read as hosts', () => {
    assert.equal(authsKeyHost('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(authsKeyHost('HTTP://Quay.io'), 'quay.io');
  });
});

describe('docker credential helpers (docker-credential-<name> get)', () => {
  const dir = tempDir('helpers');
  const log = join(dir.path, 'calls.log');
  const env = { PATH: `${dir.path}:${process.env.PATH}` };
  /** A helper that logs the server URL it was asked for and answers with `answer` and `exit`. */
  const helper = (name: string, answer: string, exit = 0) => {
    const file = join(dir.path, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\nread server\necho "$server" >> ${log}\necho '${answer}'\nexit ${exit}\n`);
    chmodSync(file, 0o755);
  };
  const calls = () => readFileSync(log, 'utf8').trim().split('\n');

  after(() => dir.remove());

  test("credHelpers runs the host's helper with the server URL on stdin", async () => {
    helper('ecr', '{"ServerURL":"x","Username":"AWS","Secret":"ecr-token"}');
    writeFileSync(log, '');
    const credential = await new Credentials({ dockerConfig: { credHelpers: { '123.dkr.ecr.eu-west-1.amazonaws.com': 'ecr' } }, env }).get('123.dkr.ecr.eu-west-1.amazonaws.com');
    assert.partialDeepStrictEqual(credential, { kind: 'basic', username: 'AWS', password: 'ecr-token' });
    assert.deepEqual(calls(), ['123.dkr.ecr.eu-west-1.amazonaws.com']);
  });

  test('Docker Hub is asked for as https://index.docker.io/v1/ through credsStore', async () => {
    helper('store', '{"Username":"hub","Secret":"pw"}');
    writeFileSync(log, '');
    await new Credentials({ dockerConfig: { credsStore: 'store' }, env }).get('docker.io');
    assert.deepEqual(calls(), ['https://index.docker.io/v1/']);
  });

  test('the username <token> marks an identity token', async () => {
    helper('gar', '{"Username":"<token>","Secret":"refresh-xyz"}');
    const credential = await new Credentials({ sources: new Map([['gar.example', { helper: 'gar' }]]), env }).get('gar.example');
    assert.partialDeepStrictEqual(credential, { kind: 'identity', identityToken: 'refresh-xyz' });
  });

  test('the answer is reused within the TTL and asked again after it, before short-lived tokens expire', async (t) => {
    helper('ttl', '{"Username":"u","Secret":"s"}');
    writeFileSync(log, '');
    // The TTL runs on the clock (Date), which is moved by hand: however slow the helper is, only the TTL decides.
    t.mock.timers.enable({ apis: ['Date'], now: 0 });
    const credentials = new Credentials({ dockerConfig: { credHelpers: { h: 'ttl' } }, env, helperTtlMs: 50 });
    await credentials.get('h');
    t.mock.timers.tick(49);
    await credentials.get('h');
    assert.equal(calls().length, 1, 'reused within the TTL');
    t.mock.timers.tick(1);
    await credentials.get('h');
    assert.equal(calls().length, 2, 'asked again once the TTL is over');
  });

  test('"credentials not found" means anonymous', async () => {
    helper('empty', 'credentials not found in native keychain', 1);
    assert.equal(await new Credentials({ dockerConfig: { credHelpers: { h: 'empty' } }, env }).get('h'), undefined);
  });

  test('a failing helper is an error that does not quote its output', async () => {
    helper('broken', 'secret-in-output', 3);
    await assert.rejects(new Credentials({ dockerConfig: { credHelpers: { h: 'broken' } }, env }).get('h'), (error: Error) => /docker-credential-broken get failed for h \(exit 3\)/.test(error.message) && !error.message.includes('secret-in-output'));
  });

  test('a helper name that is not a plain name is never run', async () => {
    await assert.rejects(new Credentials({ dockerConfig: { credHelpers: { h: '../../bin/sh' } }, env }).get('h'), /not a plain name/);
  });

  test('a missing helper is a clear error', async () => {
    await assert.rejects(new Credentials({ dockerConfig: { credHelpers: { h: 'absent' } }, env }).get('h'), /cannot run docker-credential-absent: ENOENT/);
  });
});
