import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from './process.ts';

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as written in image references. */
  host: string;
  url: string;
  /** The registry's filesystem storage root (for bulk seeding). */
  storage: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Extra top-level config, e.g. an `auth:` section. */
  extraConfig?: string;
  /** Use (and keep) this storage directory, e.g. a benchmark's seeded data; default: a fresh temp dir. */
  storage?: string;
}

/** Starts CNCF Distribution (`docker-registry`) on 127.0.0.1 with a port chosen by the OS. */
export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'tagpilot-registry-'));
  const storage = options.storage ?? join(dir, 'data');
  const config = join(dir, 'config.yml');
  await writeFile(config, registryConfig(storage, options.extraConfig ?? ''));
  const started = await startChild('docker-registry', ['serve', config], /listening on (127\.0\.0\.1:\d+)/, {
    env: { ...process.env, REGISTRY_HTTP_ADDR: '127.0.0.1:0', OTEL_TRACES_EXPORTER: 'none' },
  });
  const host = started.match[1]!;
  return {
    host,
    url: `http://${host}`,
    storage,
    async stop() {
      await started.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function registryConfig(storage: string, extra: string): string {
  return `version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
  secret: tagpilot-tests
${extra}
`;
}

export function missingRegistryHint(): string {
  return 'docker-registry (CNCF Distribution) is not installed: apt-get install docker-registry';
}

/** Distribution's `auth.htpasswd` section, with a bcrypt htpasswd file written into `dir`. */
export async function htpasswdConfig(dir: string, users: Record<string, string>): Promise<string> {
  const file = join(dir, 'htpasswd');
  await writeFile(
    file,
    Object.entries(users)
      .map(([user, password]) => `${user}:${bcrypt.hashSync(password, 4)}`)
      .join('\n') + '\n',
  );
  return `auth:\n  htpasswd:\n    realm: tagpilot-test\n    path: ${file}\n`;
}
