/**
 * Harbor's project webhooks (HTTP, the default payload format): `PUSH_ARTIFACT` names the
 * repository and, in each resource URL, the host Harbor is reached at. Harbor sends the "Auth
 * Header" of the webhook policy as `Authorization`.
 */
import { z } from 'zod';
import { readPayload, referenceHint, repositoryHint } from '../hints.ts';
import { defined, type Source } from './context.ts';

const event = z.object({
  type: z.string(),
  event_data: z
    .object({
      resources: z
        .array(z.object({ resource_url: z.string().optional() }))
        .max(1_000)
        .optional(),
      repository: z.object({ repo_full_name: z.string() }).optional(),
    })
    .optional(),
});

export const harbor: Source = (payload, { registry }) => {
  const { type, event_data: data } = readPayload(event, payload, 'Harbor webhook');
  if (type !== 'PUSH_ARTIFACT' || data?.repository === undefined) return [];
  if (registry !== undefined) return defined([repositoryHint(registry, data.repository.repo_full_name)]);
  // Harbor names its own host only inside the resource URLs: `harbor.example.com/library/app:1.2`.
  return defined((data.resources ?? []).map((r) => (r.resource_url === undefined ? undefined : referenceHint(r.resource_url, undefined))));
};
