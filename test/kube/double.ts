import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { connect, type KubeClient } from '../../src/kube/index.ts';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { KubeApi, rbacObjects, renderedObjects, serviceAccountIdentity, type Fields, type KubeObject } from '../harness/kube/index.ts';
import { closeServer, listenLocal } from '../harness/ports.ts';

export const TOKEN = 'tagpilot-sa-token';
export const silent = pino({ level: 'silent' });

export interface Cluster {
  api: KubeApi;
  client: KubeClient;
  kubeconfig: string;
  stop(): Promise<void>;
}

/**
 * The API double enforcing the RBAC that `kubectl apply -k config/` (plus `components`, plus the
 * manifest `files`) grants tagpilot's ServiceAccount, and a client for that ServiceAccount's token.
 */
export async function cluster(components: readonly string[] = [], files: readonly string[] = []): Promise<Cluster> {
  const extra = files.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as KubeObject));
  const rbac = rbacObjects([
    ...renderedObjects(
      'config',
      components.map((c) => `config/components/${c}`),
    ),
    ...extra,
  ]);
  const api = await KubeApi.start({ tokens: { [TOKEN]: serviceAccountIdentity('tagpilot', 'tagpilot') }, rbac });
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-kube-'));
  const kubeconfig = api.kubeconfig(dir, TOKEN, 'tagpilot');
  const client = await connect({ kubeconfig });
  return {
    api,
    client,
    kubeconfig,
    async stop() {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** tagpilot's Pod as the downward API names it to the process (config/base's Deployment). */
export const POD = { POD_NAME: 'tagpilot-7c9d-x2k4p', POD_NAMESPACE: 'tagpilot', POD_UID: '4c5e0a8e-0000-4000-8000-00000000aaaa' };

/** The Git server's credentials, given to tagpilot through the Secret `tagpilot-deploy-key`: a test rotates them by changing `password`. */
export const gitAuth = () => ({ username: 'tagpilot', password: 'git-token-ONE' });

/** A clock a test moves by hand. */
export function manualClock(start = Date.parse('2026-12-01T10:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Puts (creates or replaces) a Secret in the double: what `kubectl create secret generic --dry-run -o yaml | kubectl apply` does. */
export function putSecret(api: KubeApi, name: string, data: Readonly<Record<string, string>>, namespace = 'tagpilot'): void {
  api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) });
}

/** The events.k8s.io/v1 Events of a namespace in the double. */
export function eventsIn(api: KubeApi, namespace: string): Fields[] {
  return api.list('events.k8s.io/v1', 'Event', namespace) as Fields[];
}

/** A sync loop's webhook (Argo CD, a Flux Receiver): every request it got, answered 204. */
export interface HookReceiver {
  url: string;
  received: { url: string; headers: IncomingMessage['headers']; body: string }[];
  stop(): Promise<void>;
}

export async function hookReceiver(): Promise<HookReceiver> {
  const received: HookReceiver['received'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      received.push({ url: req.url ?? '/', headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  const port = await listenLocal(server);
  return { url: `http://127.0.0.1:${port}`, received, stop: () => closeServer(server) };
}

/** Polls `done` until it holds; past `ms` the test fails with the processes' logs. */
export async function waitUntil(what: string, done: () => boolean, logs: () => string, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`${what} not within ${ms} ms:\n${logs()}`);
    await sleep(50);
  }
}
