import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.ts';
import { createWebhookHandler, gitRepositoryKey, listen, type Listening, type Receiver, type WebhookHandler, type WebhookSink } from '../server/index.ts';
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

/**
 * The controller's webhook receivers, kept in step with each config it applies: `prepare` builds
 * a config's receivers (secrets read) without changing anything, and the function it returns puts
 * them in force at once. Their listener opens with the first config that has receivers, on that
 * config's `server.webhookAddress`/`webhookPort` (like every `server` setting, a later change of
 * those applies at the next start), and closes when a config has none.
 */
export class WebhookReceivers {
  private handler: WebhookHandler | undefined;
  private listening: Promise<Listening> | undefined;
  private readonly sink: WebhookSink;
  private readonly io: CliIo;
  private readonly log: Logger;

  constructor(running: Pick<Controller, 'config' | 'imagePushed' | 'gitPushed'>, io: CliIo, log: Logger) {
    this.sink = controllerSink(running, log);
    this.io = io;
    this.log = log;
  }

  async prepare(config: LoadedConfig): Promise<() => Promise<void>> {
    if (config.webhooks.length === 0) return () => this.close();
    const log = this.log;
    const handler = createWebhookHandler({
      receivers: await webhookReceivers(config, this.io),
      sink: this.sink,
      observer: {
        answered: (e) => log.debug(e, 'webhook answered'),
        failed: (error) => log.warn({ code: error.code }, `webhook: ${error.message}`),
      },
    });
    // Opened before anything changes (a port in use refuses the config); until then it answers 404.
    this.listening ??= this.listen(config);
    const { url } = await this.listening.catch((error: unknown) => {
      handler.close();
      throw error;
    });
    return async () => {
      // Requests in flight finish on the receivers they came to; new ones reach these.
      this.handler?.close();
      this.handler = handler;
      log.info({ url, receivers: config.webhooks.map((w) => `/webhooks/${w.name}`) }, 'webhook receivers listening');
    };
  }

  async close(): Promise<void> {
    this.handler?.close();
    this.handler = undefined;
    const listening = this.listening;
    this.listening = undefined;
    await (await listening?.catch(() => undefined))?.close();
  }

  private listen(config: LoadedConfig): Promise<Listening> {
    const route = (req: IncomingMessage, res: ServerResponse) => {
      if (this.handler?.handle(req, res) !== true) res.writeHead(404).end();
    };
    const { server } = config;
    const listening = listen({ address: server.webhookAddress ?? server.address, port: server.webhookPort, mounts: [{ prefix: '/webhooks/', handler: () => route }] });
    listening.catch(() => (this.listening = undefined));
    return listening;
  }
}
