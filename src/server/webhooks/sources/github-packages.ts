/**
 * GitHub Packages: the `registry_package` event of a repository or organisation webhook (and its
 * successor `package`), for container packages that were published or updated. GitHub signs the
 * body (`X-Hub-Signature-256`). Owners may write their name in capitals; ghcr.io names are lower-case.
 */
import { z } from 'zod';
import { readPayload, referenceHint, repositoryHint } from '../hints.ts';
import { defined, eventHeader, type Source } from './context.ts';

const GHCR = 'ghcr.io';
const CONTAINER_TYPES: ReadonlySet<string> = new Set(['container', 'docker']);

const pkg = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  package_type: z.string().optional(),
  ecosystem: z.string().optional(),
  owner: z.object({ login: z.string() }).optional(),
  package_version: z.object({ package_url: z.string().optional() }).nullish(),
});

const event = z.object({ action: z.string(), registry_package: pkg.optional(), package: pkg.optional() });

export const githubPackages: Source = (payload, context) => {
  const name = eventHeader(context, 'x-github-event');
  if (name !== 'registry_package' && name !== 'package') return [];
  const body = readPayload(event, payload, `GitHub ${name} event`);
  const found = name === 'package' ? body.package : body.registry_package;
  if (found === undefined || !['published', 'updated'].includes(body.action)) return [];
  if (!CONTAINER_TYPES.has((found.package_type ?? found.ecosystem ?? '').toLowerCase())) return [];
  const url = found.package_version?.package_url?.toLowerCase();
  const fromUrl = url === undefined || url === '' ? undefined : referenceHint(url, context.registry);
  const owner = found.namespace ?? found.owner?.login;
  const fromName = owner === undefined ? undefined : repositoryHint(context.registry ?? GHCR, `${owner}/${found.name}`.toLowerCase());
  return defined([fromUrl ?? fromName]);
};
