import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { CancelledError } from '../../src/problems/index.ts';
import { logReporter, newStatus, runOnce, runOnSchedule, shutdownSignals, type Automation, type CycleOutcome, type CycleSummary, type Reporter } from '../../src/runtime/index.ts';

const report = (commit?: string): CycleSummary => ({ head: 'a'.repeat(40), changes: [], problems: [], locked: [], ...(commit === undefined ? {} : { commit }) });

function recorder(): Reporter & { outcomes: CycleOutcome[]; stops: number } {
  const r = { outcomes: [] as CycleOutcome[], stops: 0, cycleEnded: (o: CycleOutcome) => void r.outcomes.push(o), stopped: () => void r.stops++ };
  return r;
}

/** An automation whose cycles run the given steps in turn. */
function automation(steps: ((signal: AbortSignal) => Promise<CycleSummary>)[]): Automation & { calls: number } {
  const a = { name: 'fleet', intervalMs: 60_000, calls: 0, cycle: (signal: AbortSignal) => steps[Math.min(a.calls++, steps.length - 1)]!(signal) };
  return a;
}

test('cycles follow one another on the interval until stopped, and a failure does not end the loop', async () => {
  const stop = new AbortController();
  const waits: number[] = [];
  const a = automation([async () => report('c1'), async () => Promise.reject(new Error('git down')), async () => report()]);
  const reporter = recorder();
  const status = newStatus();
  await runOnSchedule(a, {
    reporter,
    stop: stop.signal,
    status,
    wait: async (ms) => {
      waits.push(ms);
      if (waits.length === 3) stop.abort();
    },
  });
  assert.equal(a.calls, 3);
  assert.deepEqual(waits, [60_000, 60_000, 60_000]);
  assert.deepEqual(
    reporter.outcomes.map((o) => ('error' in o ? 'failed' : (o.report.commit ?? 'unchanged'))),
    ['c1', 'failed', 'unchanged'],
  );
  assert.equal(reporter.stops, 1);
  assert.equal(status.cycles, 3);
  assert.equal(status.lastOutcome, 'unchanged');
});

test('a stop during a cycle lets that cycle finish and starts no other', async () => {
  const stop = new AbortController();
  let finished = false;
  const a = automation([
    async (signal) => {
      stop.abort(); // SIGTERM arrives mid-cycle
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(signal.aborted, false, 'the first signal does not cancel the cycle');
      finished = true;
      return report('c1');
    },
  ]);
  const reporter = recorder();
  await runOnSchedule(a, { reporter, stop: stop.signal, wait: async () => assert.fail('no wait after a stop') });
  assert.ok(finished);
  assert.equal(a.calls, 1);
  assert.equal(reporter.stops, 1);
});

test('the first SIGTERM or SIGINT stops, a second cancels the cycle in progress', () => {
  const process = new EventEmitter();
  const shutdown = shutdownSignals(process);
  assert.deepEqual([shutdown.stop.aborted, shutdown.cancel.aborted], [false, false]);
  process.emit('SIGTERM');
  assert.deepEqual([shutdown.stop.aborted, shutdown.cancel.aborted], [true, false]);
  process.emit('SIGINT');
  assert.deepEqual([shutdown.stop.aborted, shutdown.cancel.aborted], [true, true]);
  shutdown.dispose();
  assert.equal(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT'), 0);
});

test('a cancelled cycle is an outcome of its own in the status', async () => {
  const cancel = new AbortController();
  cancel.abort();
  const status = newStatus();
  const a = automation([async (signal) => Promise.reject(new CancelledError('cycle', { cause: signal.reason }))]);
  const outcome = await runOnce(a, { reporter: recorder(), cancel: cancel.signal, status });
  assert.ok('error' in outcome);
  assert.equal(status.lastOutcome, 'cancelled');
  assert.equal(status.running, false);
});

function logLines(level: string, problemsAt: 'warn' | 'debug' = 'debug'): { reporter: ReturnType<typeof logReporter>; lines: Record<string, unknown>[] } {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) =>
    lines.push(
      ...chunk
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    ),
  );
  return { reporter: logReporter(pino({ base: undefined, level }, stream), problemsAt), lines };
}

test('tagpilot run also writes each problem at warn and each lock at info', async () => {
  const { reporter, lines } = logLines('info', 'warn');
  reporter.cycleEnded({ automation: 'fleet', startedAt: new Date(), ms: 5, report: { ...report('c1'), locked: ['shop:deployment/web'], problems: [{ code: 'rate-limited', subject: 'a.yaml:3', message: 'ghcr.io/x: 429' }] } });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    lines.map((l) => [l.msg, l.level]),
    [
      ['ghcr.io/x: 429', 40],
      ['locked; skipped', 30],
      ['cycle: committed', 30],
    ],
  );
});

test("at info the controller's log reporter writes one summary line per cycle: changes, problems by code with an example, duration", async () => {
  const { reporter, lines } = logLines('info');
  const withProblem: CycleSummary = { ...report('c1'), locked: ['shop:deployment/web'], problems: [{ code: 'rate-limited', subject: 'a.yaml:3', message: 'ghcr.io/x: 429' }] };
  reporter.cycleEnded({ automation: 'fleet', startedAt: new Date(), ms: 5, report: withProblem });
  reporter.cycleEnded({ automation: 'fleet', startedAt: new Date(), ms: 5, error: new Error('git down') });
  reporter.stopped();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    lines.map((l) => [l.msg, l.automation, l.code ?? (l.err as { code?: string } | undefined)?.code]),
    [
      ['cycle: committed', 'fleet', undefined],
      ['cycle failed', 'fleet', 'internal'],
      ['stopped', undefined, undefined],
    ],
  );
  assert.deepEqual([lines[0]!.problems, lines[0]!.examples, lines[0]!.changes, lines[0]!.ms], [{ 'rate-limited': 1 }, { 'rate-limited': 'a.yaml:3: ghcr.io/x: 429' }, 0, 5]);
});

test('a cycle with nothing to do and no problem logs nothing at info; at debug its line and each detail', async () => {
  const info = logLines('info');
  info.reporter.cycleEnded({ automation: 'fleet', startedAt: new Date(), ms: 5, report: report() });
  const debug = logLines('debug');
  debug.reporter.cycleEnded({ automation: 'fleet', startedAt: new Date(), ms: 5, report: { ...report(), locked: ['shop:deployment/web'], problems: [{ code: 'soaking', subject: 'a.yaml:3', message: 'too young' }] } });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(info.lines, []);
  assert.deepEqual(
    debug.lines.map((l) => l.msg),
    ['too young', 'locked; skipped', 'cycle: nothing to change'],
  );
});
