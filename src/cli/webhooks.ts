import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.ts';
import { createWebhookHandler, gitRepositoryKey, type Receiver, type WebhookHandler, type WebhookSink } from '../server/index.ts';
import type { Controller } from './controller.ts';
import type { CliIo } from './io.ts';
import { configSecret } from './wire.ts';

/** The config's receivers with their secrets read (a secret is never logged, only the receiver's name). */
export async function webhookReceivers(config: LoadedConfig, io: CliIo): Promise<Receiver[]> {
  return Promise.all(
    config.webhooks.map(async (w, i) => ({
      ...w,
      secret: w.secret === undefined ? undefined : await configSecret(config, io, w.secret, `webhooks[${i}].secret`),
      token: w.token === undefined ? undefined : await configSecret(config, io, w.token, `webhooks[${i}].token`),
    })),
  );
}

/**
 * Hints from the receivers to the controller: a pushed image is listed again and cycles the
 * automations that use it; a pushed branch re-syncs the automations that read it, whichever URL
 * form (HTTPS, SSH, scp-like) the host sent and the config wrote.
 */
export function controllerSink(running: Pick<Controller, 'config' | 'imagePushed' | 'gitPushed'>, log: Logger): WebhookSink {
  return {
    async repositoryPushed({ host, repository }) {
      const cycled = await running.imagePushed(`${host}/${repository}`, 'webhook');
      log.debug({ image: `${host}/${repository}`, cycled }, 'webhook: image pushed');
    },
    gitPushed({ urls, branch }) {
      const keys = new Set(urls.map(gitRepositoryKey).filter((k) => k !== undefined));
      for (const a of running.config.automations) {
        if (keys.has(gitRepositoryKey(a.git.url) ?? '')) running.gitPushed(a.git.url, branch, 'webhook');
      }
    },
  };
}

/** The receivers of a config, mounted under /webhooks/ (docs/webhooks.md). */
export async function webhookHandler(running: Controller, io: CliIo, log: Logger): Promise<WebhookHandler> {
  const receivers = await webhookReceivers(running.config, io);
  return createWebhookHandler({
    receivers,
    sink: controllerSink(running, log),
    observer: {
      answered: (e) => log.debug(e, 'webhook answered'),
      failed: (error) => log.warn({ code: error.code }, `webhook: ${error.message}`),
    },
  });
}
