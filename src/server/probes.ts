import { readiness, stalls, type ControllerState } from '../runtime/index.ts';
import { json, text, type RequestHandler } from './http.ts';
import type { ControllerMetrics } from './metrics.ts';

/**
 * `/healthz`: the process answers, and the watchdog finds no automation stuck (503 naming each
 * stuck one, with its bound, its step and how long its cycle has run).
 */
export function healthz(state: ControllerState, now: () => Date = () => new Date()): RequestHandler {
  return (_req, res) => {
    const stuck = stalls(state.automations.values(), now());
    if (stuck.length === 0) return json(res, 200, { status: 'ok', automations: state.automations.size });
    json(res, 503, { status: 'stuck', message: `no finished cycle within its bound: ${stuck.map((s) => s.automation).join(', ')}`, stuck });
  };
}

/** `/readyz`: the config is loaded and the first cycle of every automation run here has ended. */
export function readyz(state: ControllerState): RequestHandler {
  return (_req, res) => {
    const ready = readiness(state.automations.values(), state.config.generation > 0);
    const body = { status: ready.ready ? 'ready' : 'waiting', ...ready, ...(state.config.lastError === undefined ? {} : { configError: state.config.lastError }) };
    json(res, ready.ready ? 200 : 503, body);
  };
}

/** `/metrics`: Prometheus text format. */
export function metrics(source: ControllerMetrics): RequestHandler {
  return async (_req, res) => {
    const { body, contentType } = await source.expose();
    text(res, 200, body, { 'content-type': contentType });
  };
}
