/**
 * CNCF Distribution's notifications (`notifications.endpoints` in the registry's config), which
 * GitLab's container registry sends too: an envelope of events, one per manifest or blob pushed,
 * pulled, mounted or deleted. A manifest push is the hint; the host is the one the pusher named.
 */
import { z } from 'zod';
import { readPayload, repositoryHint } from '../hints.ts';
import { defined, type Source } from './context.ts';

const MANIFEST_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
]);

/** Distribution sends a handful of events at a time; far more is no registry. */
export const MAX_EVENTS = 1_000;

const envelope = z.object({
  events: z
    .array(
      z.object({
        action: z.string().optional(),
        target: z.object({ mediaType: z.string().optional(), repository: z.string().optional(), tag: z.string().optional() }).optional(),
        request: z.object({ host: z.string().optional() }).optional(),
      }),
    )
    .max(MAX_EVENTS),
});

export const distribution: Source = (payload, { registry }) => {
  const { events } = readPayload(envelope, payload, 'Distribution notification');
  return defined(
    events.map(({ action, target, request }) => {
      if (action !== 'push' || target?.repository === undefined) return undefined;
      const isManifest = target.tag !== undefined || MANIFEST_TYPES.has(target.mediaType ?? '');
      const host = registry ?? request?.host;
      return isManifest && host !== undefined ? repositoryHint(host, target.repository) : undefined;
    }),
  );
};
