import type { Logger } from 'pino';
import { ConfigError, type LoadedConfig, type NotifyRouteConfig } from '../config/index.ts';
import { Notifier, notifyReporter, type Route } from '../notify/index.ts';
import type { Reporter } from '../runtime/index.ts';
import type { CliIo } from './io.ts';
import { configSecret } from './wire.ts';

export interface NotifyParts {
  notifier: Notifier;
  reporter: Reporter;
  /** The deliveries in flight ended (retries included). */
  close(): Promise<void>;
}

/** Notifications when the config has `notify`: its secrets read once, at start. */
export async function notifyParts(config: LoadedConfig, io: CliIo, log: Logger): Promise<NotifyParts | undefined> {
  const notifier = await notifierFor(config, config.notify ?? [], 'notify', io, log);
  if (notifier === undefined) return undefined;
  return { notifier, reporter: notifyReporter(notifier), close: () => notifier.settled() };
}

/** The routes given (the top-level `notify`, or an automation's) with their secrets read; undefined without routes. */
export async function notifierFor(config: Pick<LoadedConfig, 'source'>, routes: readonly NotifyRouteConfig[], field: string, io: CliIo, log: Logger): Promise<Notifier | undefined> {
  return routes.length === 0 ? undefined : new Notifier({ routes: await resolvedRoutes(config, routes, field, io), log });
}

/** Each route's URL and HMAC key read from their secret sources. */
export async function resolvedRoutes(config: Pick<LoadedConfig, 'source'>, routes: readonly NotifyRouteConfig[], field: string, io: CliIo): Promise<Route[]> {
  const resolved: Route[] = [];
  for (const [i, r] of routes.entries()) {
    const url = typeof r.url === 'string' ? r.url : await configSecret(config, io, r.url, `${field}[${i}].url`);
    if (!/^https?:\/\//.test(url)) throw new ConfigError(`${field}[${i}].url: the secret does not hold an http(s) URL`);
    const secret = r.secret === undefined ? undefined : await configSecret(config, io, r.secret, `${field}[${i}].secret`);
    resolved.push({ name: r.name, channel: r.type, url, secret, events: r.events, template: r.template, perMinute: r.perMinute });
  }
  return resolved;
}
