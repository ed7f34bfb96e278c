import { createHmac } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import type { Counters, Log } from './counters.ts';
import { MemoryCounters } from './counters.ts';

/**
 * Where to nudge a sync loop after a push, so it applies the commit now instead of at its next
 * poll (docs/argocd.md, docs/flux.md):
 * - `argocd`: Argo CD's `/api/webhook`, with a GitHub-shaped push event (Argo CD refreshes the
 *   Applications whose repoURL and revision match); `secret` is Argo CD's `webhook.github.secret`.
 * - `flux`: a notification-controller Receiver's URL (`/hook/<digest>`); `generic` needs nothing
 *   more, `generic-hmac` signs the body with the Receiver's token (`X-Signature: sha256=…`),
 *   `github` signs it as GitHub does.
 */
export type NudgeTarget = { kind: 'argocd'; url: string; secret?: string } | { kind: 'flux'; url: string; type: 'generic' | 'generic-hmac' | 'github'; token?: string };

/** The push that was made: what the payload says. */
export interface Push {
  /** The Git URL as configured (https, ssh:// or scp-like). */
  repository: string;
  branch: string;
  before: string;
  after: string;
  /** Paths changed in the commit (Argo CD refreshes only Applications whose paths they touch, when they say which). */
  files: readonly string[];
}

export interface NudgeOptions {
  log: Log;
  counters?: Counters;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
}

/** Nudges every target at once; never throws: a failed nudge is logged and counted, and the sync loop's own poll still comes. */
export async function nudge(targets: readonly NudgeTarget[], push: Push, options: NudgeOptions): Promise<void> {
  const counters = options.counters ?? new MemoryCounters();
  await Promise.all(
    targets.map(async (target) => {
      try {
        const status = await send(target, push, options);
        const ok = status >= 200 && status < 300;
        counters.inc('tagpilot_nudges_total', { target: target.kind, outcome: ok ? 'ok' : 'failed' });
        if (!ok) options.log.warn({ target: target.kind, status }, `nudge: ${target.kind} answered ${status}`);
      } catch (error) {
        counters.inc('tagpilot_nudges_total', { target: target.kind, outcome: 'failed' });
        options.log.warn({ target: target.kind, code: (error as { code?: string }).code }, `nudge: ${target.kind} at ${hostOf(target.url)}: ${(error as Error).message}`);
      }
    }),
  );
}

async function send(target: NudgeTarget, push: Push, options: NudgeOptions): Promise<number> {
  const body = JSON.stringify(target.kind === 'flux' && target.type === 'generic' ? {} : githubPush(push));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'tagpilot' };
  const secret = target.kind === 'argocd' ? target.secret : target.token;
  const github = target.kind === 'argocd' || target.type === 'github';
  if (github) {
    headers['x-github-event'] = 'push';
    if (secret !== undefined) {
      headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      headers['x-hub-signature'] = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
    }
  } else if (target.type === 'generic-hmac') {
    if (secret === undefined) throw new Error('a generic-hmac Receiver needs its token');
    headers['x-signature'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  }
  const url = target.kind === 'argocd' ? new URL('/api/webhook', target.url) : new URL(target.url);
  const timeout = options.timeoutMs ?? 5000;
  // undici's request follows no redirect: a nudge (and its signature) goes to the configured URL only.
  const reply = await request(url, { method: 'POST', headers, body, dispatcher: options.dispatcher, headersTimeout: timeout, bodyTimeout: timeout, signal: AbortSignal.timeout(timeout) });
  // The answer is not ours to read: drain it, bounded by the timeout.
  await reply.body.dump({ limit: 64 * 1024 });
  return reply.statusCode;
}

/** A GitHub push event, the shape Argo CD's webhook handler (and Flux's github Receiver) reads. */
export function githubPush(push: Push): object {
  const { web, clone, ssh } = repositoryUrls(push.repository);
  return {
    ref: `refs/heads/${push.branch}`,
    before: push.before,
    after: push.after,
    repository: { html_url: web, clone_url: clone, ssh_url: ssh, default_branch: push.branch },
    head_commit: { id: push.after, added: [], modified: [...push.files], removed: [] },
    commits: [{ id: push.after, added: [], modified: [...push.files], removed: [] }],
  };
}

/** The forms of one repository's URL that a sync loop may have been given: https (web and clone) and scp-like SSH. */
export function repositoryUrls(url: string): { web: string; clone: string; ssh: string } {
  const m = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/:]+@)([^/:]+)(?::\d+)?[/:](.+?)(?:\.git)?\/?$/.exec(url);
  if (m === null) return { web: url, clone: url, ssh: url };
  const [, host, path] = m;
  return { web: `https://${host}/${path}`, clone: `https://${host}/${path}.git`, ssh: `git@${host}:${path}.git` };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bad url)';
  }
}
