#!/usr/bin/env node
// The `tagpilot` command. In a checkout it runs the TypeScript sources, so `npx tagpilot` works
// straight after `npm ci` and never runs a stale build; the published package and the container
// image ship no sources and run the compiled dist/ (built by `prepack` and the Dockerfile).
// Why not build on `prepare`: see docs/development.md#the-tagpilot-command.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Caches compiled (and type-stripped) modules on disk: start-up from the sources costs about
// what the build costs. Node skips it by itself where it cannot write the cache.
module.enableCompileCache?.();

const sources = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);
// Node strips TypeScript types from 22.18 on (the project's own Node, from npm ci, is 24).
const entry = existsSync(sources) && process.features.typescript ? sources : existsSync(built) ? built : undefined;
if (entry === undefined) {
  process.stderr.write(existsSync(sources) ? `tagpilot: this checkout runs from its TypeScript sources, which needs Node >= 22.18 (this is ${process.version}).\n` + '  Run it as `npx tagpilot` (Node 24 from npm ci), or build it first: npm run build\n' : 'tagpilot: dist/ is missing from this package: reinstall it.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
const io = { out: process.stdout, err: process.stderr, in: process.stdin, cwd: process.cwd(), env: process.env };
process.exitCode = await main(process.argv.slice(2), io);
