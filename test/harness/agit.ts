import { readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './git-repos.ts';

/** One review as the AGit hook stored it. */
export interface AgitPush {
  ref: string;
  newOid: string;
  options: Record<string, string>;
}

/**
 * Makes a bare repo an AGit review server, as Gitea's and Forgejo's are: `refs/for/*` pushes go to
 * a real `proc-receive` hook (git's receive.procReceiveRefs) that requires the `topic`, `title`
 * and `description` push options, decodes `{base64}` values, keeps the pushed commit at
 * `refs/reviews/<topic>` and logs each push. Push options are advertised
 * (receive.advertisePushOptions).
 */
export function makeAgitServer(bare: string): { pushes(): AgitPush[] } {
  git(bare, 'config', 'receive.advertisePushOptions', 'true');
  git(bare, 'config', 'receive.procReceiveRefs', 'refs/for');
  const log = join(bare, 'agit-pushes.jsonl');
  const hook = join(bare, 'hooks', 'proc-receive');
  writeFileSync(hook, `#!${process.execPath}\n${HOOK.replace('LOG_PATH', JSON.stringify(log))}`);
  chmodSync(hook, 0o755);
  return {
    pushes: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as AgitPush)
        : [],
  };
}

/** The hook: git's proc-receive protocol (version 1, pkt-lines) on stdin and stdout. */
const HOOK = String.raw`
const { execFileSync } = require('node:child_process');
const { appendFileSync } = require('node:fs');
let buffer = Buffer.alloc(0);
const waiting = [];
process.stdin.on('data', (chunk) => { buffer = Buffer.concat([buffer, chunk]); pump(); });
function pump() {
  while (waiting.length > 0 && buffer.length >= 4) {
    const length = parseInt(buffer.subarray(0, 4).toString(), 16);
    if (length === 0) { buffer = buffer.subarray(4); waiting.shift()(null); continue; }
    if (buffer.length < length) return;
    const line = buffer.subarray(4, length).toString().replace(/\n$/, '');
    buffer = buffer.subarray(length);
    waiting.shift()(line);
  }
}
const read = () => new Promise((resolve) => { waiting.push(resolve); pump(); });
const pkt = (text) => { const body = Buffer.from(text + '\n'); return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]); };
async function section() { const lines = []; for (let l = await read(); l !== null; l = await read()) lines.push(l); return lines; }
(async () => {
  const version = await section();
  const pushOptions = version[0].includes('push-options');
  process.stdout.write(Buffer.concat([pkt('version=1\0' + (pushOptions ? 'push-options' : '')), Buffer.from('0000')]));
  const commands = await section();
  const raw = pushOptions ? await section() : [];
  const options = {};
  for (const o of raw) { const at = o.indexOf('='); const value = o.slice(at + 1); options[o.slice(0, at)] = value.startsWith('{base64}') ? Buffer.from(value.slice(8), 'base64').toString() : value; }
  const out = [];
  for (const command of commands) {
    const [, newOid, ref] = command.split(' ');
    const missing = ['topic', 'title', 'description'].filter((k) => !options[k]);
    if (missing.length > 0) { out.push(pkt('ng ' + ref + ' missing push option ' + missing.join(', '))); continue; }
    execFileSync('git', ['update-ref', 'refs/reviews/' + options.topic, newOid]);
    appendFileSync(LOG_PATH, JSON.stringify({ ref, newOid, options }) + '\n');
    out.push(pkt('ok ' + ref), pkt('option refname refs/reviews/' + options.topic));
  }
  process.stdout.write(Buffer.concat([...out, Buffer.from('0000')]));
})();
`;
