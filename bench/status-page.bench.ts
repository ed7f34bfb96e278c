/**
 * The status page's cost: server render time and page size for fleets of several sizes, and first
 * paint in headless Chromium (first-contentful-paint of a fresh page, server on 127.0.0.1), split
 * into first byte, last byte and DOMContentLoaded, beside the handler's own time per request (the
 * first request renders, the rest reuse it while the state does not change). The target is first
 * paint under 200 ms (issue 17). `npm run bench -- status-page`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { loadavg } from 'node:os';
import type { SlotState } from '../src/automation/index.ts';
import { newStatus } from '../src/runtime/index.ts';
import { StatusBoard, statusHandler, statusView } from '../src/server/index.ts';
import { renderPage } from '../src/server/status/page.ts';
import { launchChromium } from '../test/harness/browser.ts';
import { closeServer, listenLocal } from '../test/harness/ports.ts';

const RUNS = 15;
/**
 * Where a page load's time goes, from the browser's Navigation and Paint Timing: the request to
 * the first response byte (server: snapshot, view, render, plus the loopback), the body, the
 * parse to DOMContentLoaded, and first contentful paint. All from the navigation's start.
 */
const TIMINGS = `new Promise((resolve) => new PerformanceObserver((list, observer) => {
  const paint = list.getEntriesByName('first-contentful-paint')[0];
  if (paint === undefined) return;
  observer.disconnect();
  const nav = performance.getEntriesByType('navigation')[0];
  resolve({ firstByte: nav.responseStart, lastByte: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd, firstPaint: paint.startTime });
}).observe({ type: 'paint', buffered: true }))`;
interface Timings {
  firstByte: number;
  lastByte: number;
  domContentLoaded: number;
  firstPaint: number;
}
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

/** Loads `handler`'s page RUNS times in fresh tabs: the medians of each timing, the slowest first paint, and the handler's own time per request. */
async function timePage(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Record<string, number>> {
  const handlerMs: number[] = [];
  const server = createServer((req, res) => {
    const started = performance.now();
    handler(req, res);
    handlerMs.push(performance.now() - started);
  });
  const url = `http://127.0.0.1:${await listenLocal(server)}/`;
  const runs: Timings[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage();
      await page.goto(url, { waitUntil: 'load' });
      runs.push(await page.evaluate<Timings>(TIMINGS));
      await page.close();
    }
  } finally {
    await closeServer(server);
  }
  const of = (key: keyof Timings) => round(median(runs.map((r) => r[key])));
  return { handlerMs: round(median(handlerMs)), firstByteMs: of('firstByte'), lastByteMs: of('lastByte'), domContentLoadedMs: of('domContentLoaded'), firstPaintMs: of('firstPaint'), firstPaintMaxMs: round(Math.max(...runs.map((r) => r.firstPaint))) };
}

/** The same measure of a page with one heading: what this machine and browser cost before the page's own. */
const ONE_HEADING = (_req: IncomingMessage, res: ServerResponse) => res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body><h1>tagpilot</h1></body></html>');

const browser = await launchChromium();
const results: Record<string, unknown>[] = [];
let baseline: Record<string, number> = {};
const load = { before: loadavg().map(round) };
try {
  baseline = await timePage(ONE_HEADING);
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
    try {
      results.push({ ...fleet, totalSlots: fleet.automations * fleet.slots, renderMs: round(median(renders)), pageKiB: round(bytes / 1024), ...(await timePage(handler)) });
    } finally {
      handler.close();
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(`${JSON.stringify({ bench: 'status-page', runs: RUNS, node: process.version, loadAverage: { ...load, after: loadavg().map(round) }, targetFirstPaintMs: 200, baseline, results }, null, 2)}\n`);
