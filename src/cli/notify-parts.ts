import type { Logger } from 'pino';
import { ConfigError, type LoadedConfig } from '../config/index.ts';
import { Notifier, notifyReporter, verificationEvent, type Route, type VerificationLike } from '../notify/index.ts';
import type { Reporter } from '../runtime/index.ts';
import type { CliIo } from './io.ts';
import { configSecret } from './wire.ts';

export interface NotifyParts {
  reporter: Reporter;
  /** Each rollout verification's outcome, as `verified` or `failed`. */
  onVerified(result: VerificationLike): void;
  /** The deliveries in flight ended (retries included). */
  close(): Promise<void>;
}

/** Notifications when the config has `notify`: its secrets read once, at start. */
export async function notifyParts(config: LoadedConfig, io: CliIo, log: Logger): Promise<NotifyParts | undefined> {
  if (config.notify === undefined || config.notify.length === 0) return undefined;
  const routes: Route[] = [];
  for (const [i, r] of config.notify.entries()) {
    const url = typeof r.url === 'string' ? r.url : await configSecret(config, io, r.url, `notify[${i}].url`);
    if (!/^https?:\/\//.test(url)) throw new ConfigError(`notify[${i}].url: the secret does not hold an http(s) URL`);
    const secret = r.secret === undefined ? undefined : await configSecret(config, io, r.secret, `notify[${i}].secret`);
    routes.push({ name: r.name, channel: r.type, url, secret, events: r.events, template: r.template, perMinute: r.perMinute });
  }
  const notifier = new Notifier({ routes, log });
  return {
    reporter: notifyReporter(notifier),
    onVerified: (result) => {
      for (const event of verificationEvent(result)) notifier.notify(event);
    },
    close: () => notifier.settled(),
  };
}
