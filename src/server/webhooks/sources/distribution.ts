/**
 * CNCF Distribution's notifications (`notifications.endpoints` in the registry's config), which
 * GitLab's container registry sends too: an envelope of events, one per manifest or blob pushed,
 * pulled, mounted or deleted. A push that names a tag is the hint (blobs and manifests pushed by
 * digest change no tag list); the host is the one the pusher named.
 */
import { z } from 'zod';
import { readPayload, repositoryHint } from '../hints.ts';
import { defined, type Source } from './context.ts';

/** Distribution sends a handful of events at a time; far more is no registry. */
export const MAX_EVENTS = 1_000;

const envelope = z.object({
  events: z
    .array(
      z.object({
        action: z.string().optional(),
        target: z.object({ repository: z.string().optional(), tag: z.string().optional() }).optional(),
        request: z.object({ host: z.string().optional() }).optional(),
      }),
    )
    .max(MAX_EVENTS),
});

export const distribution: Source = (payload, { registry }) => {
  const { events } = readPayload(envelope, payload, 'Distribution notification');
  return defined(
    events.map(({ action, target, request }) => {
      if (action !== 'push' || target?.repository === undefined || target.tag === undefined) return undefined;
      const host = registry ?? request?.host;
      return host === undefined ? undefined : repositoryHint(host, target.repository);
    }),
  );
};
