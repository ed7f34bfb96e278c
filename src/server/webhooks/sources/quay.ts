/**
 * Quay's "Repository Push" notification (webhook method): `docker_url` is the repository as an
 * image reference names it, host included. Quay sends no headers of the user's, so its token is
 * the last path segment.
 */
import { z } from 'zod';
import { readPayload, referenceHint } from '../hints.ts';
import { defined, type Source } from './context.ts';

const push = z.object({ docker_url: z.string() });

export const quay: Source = (payload, { registry }) => {
  const { docker_url: url } = readPayload(push, payload, 'Quay repository push');
  return defined([referenceHint(url, registry)]);
};
