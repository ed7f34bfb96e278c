import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.ts';
import { Credentials, type DockerConfig } from '../../src/registry/credentials.ts';

const doc = readFileSync(new URL('../../docs/registries.md', import.meta.url), 'utf8');
const blocks = (lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

describe('docs/registries.md examples', () => {
  test('the configuration example is a valid config', () => {
    const [yaml] = blocks('yaml');
    const config = parseConfig(yaml!, 'docs/registries.md');
    assert.deepEqual(
      config.registries.map((r) => r.host),
      ['docker.io', 'quay.io', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'registry.internal.example:5000', '10.0.0.5:5000'],
    );
    assert.deepEqual(config.registries[2]?.auth, { helper: 'ecr-login' });
    assert.equal(config.registries[4]?.insecure, true);
    assert.deepEqual(config.dockerConfig, { file: '/var/run/secrets/regcred/.dockerconfigjson' });
  });

  test('the dockerconfigjson example gives the credentials the doc says', async () => {
    const [json] = blocks('json');
    const credentials = new Credentials({ dockerConfig: JSON.parse(json!) as DockerConfig });
    assert.partialDeepStrictEqual(await credentials.get('docker.io'), { kind: 'basic', username: 'tagpilot', password: 's3cret' });
    assert.partialDeepStrictEqual(await credentials.get('ghcr.io'), { kind: 'basic', username: 'tagpilot-bot' });
    assert.partialDeepStrictEqual(await credentials.get('registry.internal.example:5000'), { kind: 'identity', identityToken: 'refresh-token-from-docker-login' });
  });

  test('an unknown registry field is rejected, not ignored', () => {
    assert.throws(() => parseConfig('git: { url: https://g/x.git }\nregistries: [{ host: ghcr.io, pagesize: 10 }]\n', 'c.yml'), /registries\.0: .*pagesize/i);
  });
});
