import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema, parseConfig } from '../../src/config/index.ts';

/** The guides' YAML is the example files' YAML: a block that names a file must equal it. */
const GUIDES = ['docs/argocd.md', 'docs/flux.md', 'docs/kubernetes.md'];

function blocks(file: string): { lang: string; text: string }[] {
  return [...readFileSync(file, 'utf8').matchAll(/```(\w*)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

for (const guide of GUIDES) {
  test(`${guide}: a YAML block headed by a file's path is that file's content`, () => {
    let named = 0;
    for (const { lang, text } of blocks(guide)) {
      const m = /^# (config\/\S+\.yaml)\n/.exec(text);
      if (lang !== 'yaml' || m === null) continue;
      named += 1;
      const file = readFileSync(m[1]!, 'utf8');
      assert.deepEqual(parse(text), parseAllDocuments(file)[0]!.toJS(), m[1]);
    }
    if (guide !== 'docs/kubernetes.md') assert.ok(named > 0, 'the guide shows its example files');
  });

  test(`${guide}: every YAML block parses, and every config snippet is valid config`, () => {
    for (const { lang, text } of blocks(guide)) {
      if (lang !== 'yaml') continue;
      const value = parse(text) as Record<string, unknown>;
      // A snippet of the config (git:, nudge:) is checked against the schema's fields.
      if ('git' in value) assert.doesNotThrow(() => parseConfig(text, guide, {}), text);
      if ('nudge' in value && !('git' in value)) assert.ok(configSchema.shape.nudge.safeParse(value.nudge).success, text);
    }
  });

  test(`${guide}: every relative link points at a file that exists, and at a heading that exists`, () => {
    const text = readFileSync(guide, 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path === '' ? guide : join(dirname(guide), path);
      assert.ok(existsSync(file), `${guide} links ${target}`);
      if (anchor === undefined || !file.endsWith('.md')) continue;
      const slugs = [...readFileSync(file, 'utf8').matchAll(/^#+ (.+)$/gm)].map((h) =>
        h[1]!
          .toLowerCase()
          .replaceAll(/[^\w\- ]/g, '')
          .replaceAll(' ', '-'),
      );
      assert.ok(slugs.includes(anchor), `${guide} links ${target}: no such heading`);
    }
  });
}
