import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/** The packages resolved by a fresh process that imports `modules` (Node's module hooks record every resolution). */
function resolvedPackages(modules: string[]): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url); if (m) seen.add(m[1]); return r; } });
    ${modules.map((m) => `await import(${JSON.stringify(new URL(m, import.meta.url).href)});`).join('\n')}
    console.log(JSON.stringify([...seen].sort()));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString()) as string[];
}

const SDKS = /^(@aws-sdk\/|@smithy\/|google-auth-library|gaxios|@azure\/|@sigstore\/)/;

test('the CLI wiring and the registry client load no cloud SDK and no Sigstore library until one is used', () => {
  assert.deepEqual(
    resolvedPackages(['../../../src/cli/wire.ts', '../../../src/registry/client.ts']).filter((name) => SDKS.test(name)),
    [],
  );
});

test("using one cloud loads that cloud's SDK only", () => {
  const loaded = resolvedPackages(['../../../src/registry/cloud/gcp.ts']).filter((name) => SDKS.test(name));
  assert.ok(loaded.includes('google-auth-library'));
  assert.deepEqual(
    loaded.filter((name) => /^(@aws-sdk|@azure|@sigstore)/.test(name)),
    [],
  );
});
