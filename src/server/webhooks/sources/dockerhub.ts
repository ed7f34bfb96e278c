/**
 * Docker Hub's repository webhooks: one push of one tag. Docker Hub neither signs nor sends
 * headers, so its token is the last path segment. Its `callback_url` is never called: a payload
 * does not choose where tagpilot connects to.
 */
import { z } from 'zod';
import { readPayload, repositoryHint } from '../hints.ts';
import { defined, type Source } from './context.ts';

const push = z.object({
  push_data: z.object({ tag: z.string().optional() }).optional(),
  repository: z.object({ repo_name: z.string() }),
});

export const dockerhub: Source = (payload, { registry }) => {
  const { repository } = readPayload(push, payload, 'Docker Hub webhook');
  return defined([repositoryHint(registry, repository.repo_name)]);
};
