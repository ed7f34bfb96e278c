/**
 * `npm run build`: dist/ as the package and the container image ship it. esbuild bundles
 * src/cli/main.ts with its dependencies into ESM chunks in dist/cli/: each verb's lazy `import()`
 * stays a chunk of its own, so a verb loads only what it uses, and the code is tree-shaken and
 * whitespace- and syntax-minified. Names are not mangled, so stack traces read as the sources; a
 * top-level name that collides in the bundle is renamed (`Foo2`), which is why every error class
 * sets its `name` itself. (`keepNames` would keep those too, at about 4 MiB of RSS.)
 *
 * Why a bundle, not tsc's one file per module: V8 keeps every loaded script's source and a module
 * record for each file. A controller of one workload held 112 MiB RSS from tsc's dist/ and 101
 * from this (docs/performance.md, "The process floor, the bundle and the flags"). Types are
 * checked by `npm run typecheck`; esbuild only strips them.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist/cli');

rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outdir,
  // Chunks beside main.js: `new URL('../../package.json', import.meta.url)` reads the package's
  // own manifest from any of them.
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.18',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  // ssh2 loads native addons of its own (and is required through createRequire in src/git/ssh2.ts).
  external: ['ssh2', 'cpu-features'],
  // CommonJS dependencies call require() for Node's modules; ESM output has no require of its own.
  banner: { js: "import { createRequire as __tagpilotRequire } from 'node:module'; const require = __tagpilotRequire(import.meta.url);" },
  logLevel: 'warning',
});
