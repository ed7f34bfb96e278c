/**
 * Push webhooks of Git hosts: which branch of which repository moved. GitHub and Gitea/Forgejo
 * (which copies GitHub's payload and headers, and adds its own) sign the body; GitLab sends the
 * token in `X-Gitlab-Token`. Tag pushes (GitLab's `tag_push`), pings and other events are answered and ignored.
 */
import { z } from 'zod';
import { gitHint, readPayload } from '../hints.ts';
import { defined, eventHeader, type Source } from './context.ts';

const url = z.string().optional();

const hubPush = z.object({
  ref: z.string(),
  repository: z.object({ clone_url: url, ssh_url: url, git_url: url, html_url: url }),
});

const labPush = z.object({
  object_kind: z.literal('push'),
  ref: z.string(),
  project: z.object({ git_http_url: url, git_ssh_url: url, web_url: url }),
});

export const github: Source = (payload, context) => {
  if (eventHeader(context, 'x-github-event') !== 'push') return [];
  const { ref, repository: r } = readPayload(hubPush, payload, 'GitHub push event');
  return defined([gitHint(ref, [r.clone_url, r.ssh_url, r.git_url, r.html_url])]);
};

export const gitea: Source = (payload, context) => {
  if (eventHeader(context, 'x-forgejo-event', 'x-gitea-event', 'x-gogs-event', 'x-github-event') !== 'push') return [];
  const { ref, repository: r } = readPayload(hubPush, payload, 'Gitea push event');
  return defined([gitHint(ref, [r.clone_url, r.ssh_url, r.html_url])]);
};

export const gitlab: Source = (payload, context) => {
  // A project or group hook says `Push Hook`; an instance-wide system hook says `System Hook`.
  const name = eventHeader(context, 'x-gitlab-event');
  if (name !== 'push hook' && name !== 'system hook') return [];
  if ((payload as { object_kind?: unknown } | null)?.object_kind !== 'push') return [];
  const { ref, project: p } = readPayload(labPush, payload, 'GitLab push event');
  return defined([gitHint(ref, [p.git_http_url, p.git_ssh_url, p.web_url])]);
};
