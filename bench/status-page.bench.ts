/**
 * The status page's cost: server render time and page size for fleets of several sizes, and first
 * paint in headless Chromium (first-contentful-paint of a fresh page, server on 127.0.0.1). The
 * target is first paint under 200 ms (issue 17). `npm run bench -- status-page`.
 */
import { createServer } from 'node:http';
import type { SlotState } from '../src/automation/index.ts';
import { newStatus } from '../src/runtime/index.ts';
import { StatusBoard, statusHandler, statusView } from '../src/server/index.ts';
import { renderPage } from '../src/server/status/page.ts';
import { launchChromium } from '../test/harness/browser.ts';
import { closeServer, listenLocal } from '../test/harness/ports.ts';

const RUNS = 15;
/** First contentful paint of the page, waited for when the load came first. */
const FIRST_PAINT = `new Promise((resolve) => new PerformanceObserver((list, observer) => {
  const paint = list.getEntriesByName('first-contentful-paint')[0];
  if (paint !== undefined) { observer.disconnect(); resolve(paint.startTime); }
}).observe({ type: 'paint', buffered: true }))`;
const FLEETS = [
  { automations: 1, slots: 20 },
  { automations: 10, slots: 100 },
  { automations: 20, slots: 500 },
];

function slot(a: number, i: number): SlotState {
  const kind = i % 10;
  const base: SlotState = { file: `apps/team-${a}/svc-${i}.yaml`, line: 14, kind: 'container', workload: `team-${a}:deployment/svc-${i}`, container: 'app', repository: `registry.example/team-${a}/svc-${i}`, current: '1.4.2', policy: 'semver:^1' };
  if (kind === 0) return { ...base, hold: { kind: 'locked', code: 'locked', reason: 'incident 42: pinned until the fix ships', by: 'ana', since: '2026-11-30T08:00:00Z' } };
  if (kind === 1) return { ...base, candidate: '1.5.0', hold: { kind: 'soaking', code: 'soaking', reason: '1.5.0 is younger than the minimum age (1d)', until: '2026-12-02T08:00:00Z' } };
  if (kind === 2) return { ...base, candidate: '1.5.0' };
  return base;
}

function board(automations: number, slots: number): StatusBoard {
  const b = new StatusBoard({ registries: () => [{ host: 'registry.example', requests: 1234, errors: 3, byStatus: { '200': 1231, '429': 1, '503': 2 }, rateLimitWaits: 1, rateLimitWaitMs: 1000, listings: { network: 40, cache: 400, shared: 3 } }] });
  for (let a = 0; a < automations; a++) {
    const name = `fleet-${a}`;
    b.track({ name, intervalMs: 60_000, repository: `https://git.example/fleet-${a}.git`, branch: 'main', commitUrl: 'https://git.example/commit/{commit}' }, newStatus());
    const all = Array.from({ length: slots }, (_, i) => slot(a, i));
    b.reporter().cycleEnded({ automation: name, startedAt: new Date(), ms: 321, report: { head: 'h', commit: 'c'.repeat(40), changes: [], problems: [], locked: [], slots: all } });
  }
  return b;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
const round = (n: number) => Math.round(n * 10) / 10;

/** The same measure of a page with one heading: what this machine and browser cost before the page's own. */
async function baseline(): Promise<number> {
  const server = createServer((_req, res) => res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body><h1>tagpilot</h1></body></html>'));
  const url = `http://127.0.0.1:${await listenLocal(server)}/`;
  const paints: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage();
      await page.goto(url, { waitUntil: 'load' });
      paints.push(await page.evaluate<number>(FIRST_PAINT));
      await page.close();
    }
  } finally {
    await closeServer(server);
  }
  return round(median(paints));
}

const browser = await launchChromium();
const results: Record<string, unknown>[] = [];
let baselineFirstPaintMs = 0;
try {
  baselineFirstPaintMs = await baseline();
  for (const fleet of FLEETS) {
    const source = board(fleet.automations, fleet.slots);
    const renders: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      bytes = Buffer.byteLength(renderPage(statusView(source.snapshot()), { base: '/', nonce: 'n' }));
      renders.push(performance.now() - started);
    }
    const handler = statusHandler({ source });
    const server = createServer(handler);
    const url = `http://127.0.0.1:${await listenLocal(server)}/`;
    const paints: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const page = await browser.newPage();
        await page.goto(url, { waitUntil: 'load' });
        paints.push(await page.evaluate<number>(FIRST_PAINT));
        await page.close();
      }
    } finally {
      handler.close();
      await closeServer(server);
    }
    results.push({ ...fleet, totalSlots: fleet.automations * fleet.slots, renderMs: round(median(renders)), pageKiB: round(bytes / 1024), firstPaintMs: round(median(paints)), firstPaintMaxMs: round(Math.max(...paints)) });
  }
} finally {
  await browser.close();
}
process.stdout.write(`${JSON.stringify({ bench: 'status-page', runs: RUNS, node: process.version, targetFirstPaintMs: 200, baselineFirstPaintMs, results }, null, 2)}\n`);
