/**
 * The generic receiver, for any CI job or registry that can POST JSON:
 * `{"repository": "registry.example.com/team/app"}`, an image reference (a tag or digest in it is
 * dropped). Its host is the receiver's `registry` when that is set, else the one the reference
 * names, else Docker Hub.
 */
import { z } from 'zod';
import { DOCKER_HUB } from '../../../image/index.ts';
import { readPayload, referenceHint } from '../hints.ts';
import { defined, type Source } from './context.ts';

const push = z.object({ repository: z.string().min(1).max(4096) });

export const generic: Source = (payload, { registry }) => {
  const { repository } = readPayload(push, payload, 'generic webhook');
  return defined([referenceHint(repository, registry, DOCKER_HUB)]);
};
