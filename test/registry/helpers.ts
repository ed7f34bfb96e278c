import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, type RegistryClientOptions } from '../../src/registry/client.ts';
import { parseImageRef, type ImageRef } from '../../src/image/ref.ts';

/** A client tuned for tests: short backoffs and timeouts, plain HTTP to the given local hosts. */
export function testClient(insecureHosts: readonly string[], options: RegistryClientOptions = {}): RegistryClient {
  return new RegistryClient({
    registries: insecureHosts.map((host) => ({ host, insecure: true })),
    backoffMs: 10,
    maxBackoffMs: 50,
    timeoutMs: 2_000,
    ...options,
  });
}

export function ref(text: string): ImageRef {
  return parseImageRef(text);
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `tagpilot-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export const ALL_NEEDS = { created: true, digests: true, platforms: true } as const;
