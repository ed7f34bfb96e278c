import type { Logger } from 'pino';
import { shutdownSignals } from '../../runtime/index.ts';
import { healthz, listen, metrics, readyz, statusHandler, type Listening, type Mount } from '../../server/index.ts';
import { Controller } from '../controller.ts';
import { configSecret } from '../wire.ts';
import { EXIT, type CliIo } from '../io.ts';
import { logger, type LogFormatOption } from '../log.ts';

export interface ControllerOptions extends LogFormatOption {
  config: string;
}

/**
 * `tagpilot controller --config FILE`: every automation of the config on its own schedule, the
 * config watched and reloaded, probes and metrics served (docs/controller.md). SIGTERM lets the
 * cycles in progress end within shutdownTimeout, then exits 0; a second signal cancels them.
 */
export async function controller(options: ControllerOptions, io: CliIo): Promise<number> {
  const log = await logger(io, options);
  const shutdown = shutdownSignals();
  const servers: Listening[] = [];
  const running = new Controller(options.config, io, log);
  try {
    await running.start();
    servers.push(...(await serve(running, io, log)));
    if (!shutdown.stop.aborted) await new Promise((resolve) => shutdown.stop.addEventListener('abort', resolve, { once: true }));
    log.info({ deadlineMs: running.config.shutdownTimeout }, 'shutting down: cycles in progress finish first');
    await running.shutdown(shutdown.cancel);
  } finally {
    shutdown.dispose();
    await Promise.all(servers.map((s) => s.close()));
  }
  return EXIT.ok;
}

/**
 * Probes and metrics on the server port (docs/controller.md#endpoints); the webhook receivers are
 * the controller's own, on their port, kept in step with each config it applies.
 */
async function serve(running: Controller, io: CliIo, log: Logger): Promise<Listening[]> {
  const { server } = running.config;
  const routes = { '/healthz': healthz(running.state), '/readyz': readyz(running.state), '/metrics': metrics(running.metrics) };
  const { token, proxyAuth } = server.status;
  const page = server.status.enabled ? statusHandler({ source: running.board, prefix: '/status', token: token === undefined ? undefined : await configSecret(running.config, io, token, 'server.status.token'), ...(proxyAuth === undefined ? {} : { proxyAuth }) }) : undefined;
  const mounts: Mount[] = page === undefined ? [] : [{ prefix: page.base, handler: () => page }];
  const probes = await listen({ address: server.address, port: server.port, routes, mounts });
  log.info({ url: probes.url, paths: [...Object.keys(routes), ...mounts.map((m) => m.prefix)] }, 'listening');
  const close = async () => {
    page?.close();
    await probes.close();
  };
  return [{ ...probes, close }];
}
