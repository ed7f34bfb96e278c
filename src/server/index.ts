export * from './webhooks/index.ts';
export { json, listen, text, type Listening, type ListenOptions, type Mount, type RequestHandler } from './http.ts';
export { ControllerMetrics } from './metrics.ts';
export { healthz, metrics, readyz } from './probes.ts';
export * from './status/index.ts';
