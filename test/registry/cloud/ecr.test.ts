import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { runCli } from '../../harness/cli.ts';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../../harness/registry.ts';
import { seedTags } from '../../harness/images.ts';
import { makeCert, TokenServer, type TestCert } from '../../harness/token-server.ts';
import { FaultProxy } from '../../harness/fault-proxy.ts';
import { AwsDouble } from '../../harness/clouds/aws.ts';
import { jwtKey, signJwt } from '../../harness/clouds/jwt.ts';
import { ref, tempDir, testClient } from '../helpers.ts';
import { isolateCloudEnv, withEnv } from './env.ts';
import type { RegistryClientOptions } from '../../../src/registry/client.ts';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/tagpilot`;
const SUBJECT = 'system:serviceaccount:tagpilot:tagpilot';
const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/TEST';

describe('Amazon ECR through the AWS SDK (strict AWS double, real Distribution with token auth)', () => {
  const dir = tempDir('ecr');
  const oidc = jwtKey('eks');
  let cert: TestCert;
  let tokens: TokenServer;
  let registry: TestRegistry;
  let aws: AwsDouble;
  let tokenFile: string;

  before(async () => {
    isolateCloudEnv(dir.path);
    aws = await AwsDouble.start({ accountId: ACCOUNT, oidc: { issuer: ISSUER, publicKey: oidc.publicKey }, roleArn: ROLE, subject: SUBJECT, podIdentityToken: 'pod-identity-token-xyz', instanceRole: 'node-role' });
    cert = makeCert();
    tokens = await TokenServer.start({ cert, https: true, service: 'ecr-double', issuer: 'ecr-double', verify: (user, password) => aws.acceptsPassword(user, password) });
    registry = await startRegistry({ extraConfig: tokens.registryConfig() });
    await seedTags(registry.url, 'team/app', [{ tag: '1.0.0' }, { tag: '1.1.0' }], { auth: { bearer: tokens.mint('seeder', 'team/app', ['pull', 'push']) } });
    Object.assign(process.env, { AWS_ENDPOINT_URL_STS: aws.url, AWS_ENDPOINT_URL_ECR: aws.url, AWS_ENDPOINT_URL_ECR_PUBLIC: aws.url });
    tokenFile = join(dir.path, 'eks-token');
    writeFileSync(tokenFile, signJwt(oidc, { iss: ISSUER, aud: 'sts.amazonaws.com', sub: SUBJECT, exp: Math.floor(Date.now() / 1000) + 86_400 }));
  });

  after(async () => {
    await Promise.all([registry.stop(), tokens.stop(), aws.stop()]);
    cert.cleanup();
    dir.remove();
  });

  const ecrClient = (extra: RegistryClientOptions = {}) => testClient([], { ca: [cert.certPem], registries: [{ host: registry.host, insecure: true, credentials: { cloud: 'ecr', region: 'eu-west-1', registryId: ACCOUNT } }], ...extra });
  const irsa = { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: () => tokenFile };
  const irsaEnv = () => ({ AWS_ROLE_ARN: irsa.AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE: irsa.AWS_WEB_IDENTITY_TOKEN_FILE(), AWS_ROLE_SESSION_NAME: 'tagpilot' });
  const since = (mark: number) => aws.calls.slice(mark).map((c) => c.api);

  test("IRSA: the web identity token is exchanged at STS, and ECR is asked with the role's signed credentials", async () => {
    await withEnv(irsaEnv(), async () => {
      const mark = aws.calls.length;
      const client = ecrClient();
      assert.deepEqual(
        (await client.listTags(ref(`${registry.host}/team/app`))).tags.map((t) => t.tag),
        ['1.0.0', '1.1.0'],
      );
      assert.deepEqual(since(mark), ['sts:AssumeRoleWithWebIdentity', 'ecr:GetAuthorizationToken']);
      assert.match(aws.calls.at(-1)!.by!, /^ASIA/, 'signed with the temporary credentials STS issued');
      assert.equal(tokens.requests.at(-1)?.who, 'basic:AWS');
      await client.close();
    });
  });

  test("EKS Pod Identity: credentials from the container credentials endpoint with the pod's token", async () => {
    const podToken = join(dir.path, 'pod-identity-token');
    writeFileSync(podToken, 'pod-identity-token-xyz');
    await withEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${aws.url}/pod-identity/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: podToken }, async () => {
      const mark = aws.calls.length;
      const client = ecrClient();
      assert.equal((await client.listTags(ref(`${registry.host}/team/app`))).tags.length, 2);
      assert.deepEqual(since(mark), ['pod-identity', 'ecr:GetAuthorizationToken']);
      await client.close();
    });
  });

  test("instance metadata: IMDSv2 session token first, then the instance role's credentials", async () => {
    await withEnv({ AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: aws.url }, async () => {
      const mark = aws.calls.length;
      const client = ecrClient();
      assert.equal((await client.listTags(ref(`${registry.host}/team/app`))).tags.length, 2);
      assert.deepEqual(
        since(mark).filter((api) => api !== 'imds:token'),
        ['imds:credentials', 'ecr:GetAuthorizationToken'],
      );
      assert.ok(since(mark).indexOf('imds:token') < since(mark).indexOf('imds:credentials'));
      await client.close();
    });
  });

  test('static keys in the environment work too', async () => {
    const keys = aws.staticKeys();
    await withEnv({ AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey }, async () => {
      const mark = aws.calls.length;
      const client = ecrClient();
      assert.equal((await client.listTags(ref(`${registry.host}/team/app`))).tags.length, 2);
      assert.deepEqual(aws.calls.slice(mark), [{ api: 'ecr:GetAuthorizationToken', by: keys.accessKeyId }]);
      await client.close();
    });
  });

  test('ECR Public: GetAuthorizationToken in us-east-1, signed for ecr-public', async () => {
    await withEnv(irsaEnv(), async () => {
      const client = testClient([], { ca: [cert.certPem], registries: [{ host: registry.host, insecure: true, credentials: { cloud: 'ecr-public' } }] });
      const mark = aws.calls.length;
      assert.equal((await client.listTags(ref(`${registry.host}/team/app`))).tags.length, 2);
      assert.deepEqual(since(mark), ['sts:AssumeRoleWithWebIdentity', 'ecr-public:GetAuthorizationToken']);
      await client.close();
    });
  });

  test('the 12-hour authorization token is reused for 11.5 hours, then renewed', async (t) => {
    await withEnv(irsaEnv(), async () => {
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      const client = ecrClient({ tagCacheTtlMs: 0 });
      const ecrCalls = () => aws.calls.filter((c) => c.api === 'ecr:GetAuthorizationToken').length;
      const start = ecrCalls();
      await client.listTags(ref(`${registry.host}/team/app`));
      t.mock.timers.tick(11 * 3600_000);
      await client.listTags(ref(`${registry.host}/team/app`));
      assert.equal(ecrCalls() - start, 1, 'still fresh after 11 hours');
      t.mock.timers.tick(31 * 60_000);
      await client.listTags(ref(`${registry.host}/team/app`));
      assert.equal(ecrCalls() - start, 2, 'renewed half an hour before it expires');
      t.mock.timers.reset();
      await client.close();
    });
  });

  test("the ECR password goes to the registry's token realm only: another registry gets nothing", async (t) => {
    const other = await FaultProxy.start({ upstream: registry.url });
    t.after(() => other.stop());
    await withEnv(irsaEnv(), async () => {
      const client = testClient([], {
        ca: [cert.certPem],
        registries: [
          { host: registry.host, insecure: true, credentials: { cloud: 'ecr', region: 'eu-west-1', registryId: ACCOUNT } },
          { host: other.host, insecure: true },
        ],
      });
      await client.listTags(ref(`${registry.host}/team/app`));
      const mark = aws.calls.length;
      const before = tokens.requests.length;
      await assert.rejects(client.listTags(ref(`${other.host}/team/app`)), /refused access|answered 401/);
      assert.deepEqual(since(mark), [], 'no ECR token asked for another host');
      assert.ok(
        other.requests.every((r) => r.authorization === undefined || r.authorization.startsWith('Bearer ')),
        'no Basic AWS credential',
      );
      assert.ok(tokens.requests.slice(before).every((r) => r.who === 'anonymous'));
      await client.close();
    });
  });

  test('a refused role fails the repository with a reason that holds no token', async () => {
    const token = signJwt(oidc, { iss: ISSUER, aud: 'sts.amazonaws.com', sub: 'system:serviceaccount:other:intruder', exp: Math.floor(Date.now() / 1000) + 3600 });
    const file = join(dir.path, 'intruder-token');
    writeFileSync(file, token);
    await withEnv({ ...irsaEnv(), AWS_WEB_IDENTITY_TOKEN_FILE: file }, async () => {
      const client = ecrClient();
      await assert.rejects(client.listTags(ref(`${registry.host}/team/app`)), (error: Error) => {
        assert.match(error.message, /team\/app: ecr credentials for 127\.0\.0\.1:\d+: .*AccessDenied|may not assume/);
        assert.ok(!error.message.includes(token) && !error.message.includes(token.split('.')[2]!), 'no part of the web identity token');
        return true;
      });
      await client.close();
    });
  });

  test('through the CLI with debug logs, no key, session token or ECR password is ever printed', async () => {
    const keys = aws.staticKeys();
    const config = join(dir.path, 'tagpilot.yaml');
    writeFileSync(config, `git: { url: https://git.example.com/fleet.git }\nregistries:\n  - host: "${registry.host}"\n    insecure: true\n    caFile: ${cert.certFile}\n    auth: { cloud: ecr, region: eu-west-1, registryId: "${ACCOUNT}" }\ncacheDir: ${join(dir.path, 'cache')}\n`);
    await withEnv({ ...irsaEnv() }, async () => {
      const ok = await runCli(['images', `${registry.host}/team/app`, '--config', config, '--policy', 'semver:*'], { env: { LOG_LEVEL: 'debug' } });
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, /1\.1\.0/);
      const missing = await runCli(['images', `${registry.host}/team/none`, '--config', config], { env: { LOG_LEVEL: 'debug' } });
      assert.notEqual(missing.code, 0);
      const printed = ok.out + ok.err + missing.out + missing.err;
      const leaked = [...aws.secrets(), keys.secretAccessKey, readFileSync(tokenFile, 'utf8')].filter((secret) => printed.includes(secret));
      assert.deepEqual(leaked, []);
    });
  });

  test('a registry that refuses the ECR password: the error names the status, never the password', async () => {
    const strict = await TokenServer.start({ cert, https: true, service: 'ecr-double', issuer: 'ecr-double', verify: () => false });
    const front = await startRegistry({ extraConfig: strict.registryConfig() });
    const keys = aws.staticKeys();
    await withEnv({ AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey }, async () => {
      const client = testClient([], { ca: [cert.certPem], registries: [{ host: front.host, insecure: true, credentials: { cloud: 'ecr', region: 'eu-west-1', registryId: ACCOUNT } }] });
      await assert.rejects(client.listTags(ref(`${front.host}/team/app`)), (error: Error) => {
        assert.match(error.message, /401/);
        assert.doesNotMatch(error.message, new RegExp(keys.secretAccessKey.replace(/[+/]/g, '.')));
        return true;
      });
      await client.close();
    });
    await Promise.all([front.stop(), strict.stop()]);
  });
});
