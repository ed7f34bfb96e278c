import { z } from 'zod';
import { parseDuration } from './duration.ts';

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30s, 5m or 1h` });
    return z.NEVER;
  }
  return ms;
});

/** A secret is never written in the config itself: it names an environment variable or a file. */
const secret = z.union([z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict()]);

const gitAuth = z
  .object({
    username: z.string().min(1).default('x-access-token'),
    password: secret,
  })
  .strict();

const git = z
  .object({
    url: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s):// URL'),
    branch: z.string().min(1).default('main'),
    paths: z.array(z.string().min(1)).min(1).default(['.']),
    auth: gitAuth.optional(),
    author: z
      .object({ name: z.string().min(1), email: z.string().min(3) })
      .strict()
      .default({ name: 'tagpilot', email: 'tagpilot@users.noreply.local' }),
  })
  .strict();

/** Credentials for one registry: a username with a secret password, or a Docker credential helper. */
const registryAuth = z.union([
  z.object({ username: z.string().min(1), password: secret }).strict(),
  z.object({ helper: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a helper name like ecr-login (runs docker-credential-<name>)') }).strict(),
]);

const registry = z
  .object({
    host: z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host or host:port'),
    /** Plain HTTP instead of HTTPS: only for registries on a trusted network. */
    insecure: z.boolean().default(false),
    auth: registryAuth.optional(),
    /** PEM file of a CA to trust (besides the system's) for this registry's TLS. */
    caFile: z.string().min(1).optional(),
    /** Tags asked for per page (`n=`); 0 leaves it to the registry. Too large for the registry falls back to 100. */
    pageSize: z.number().int().min(0).max(10_000).optional(),
    /** Tags kept per repository; more are cut with a warning. */
    maxTags: z.number().int().min(1).max(1_000_000).optional(),
    /** Requests in flight to this registry at once. */
    concurrency: z.number().int().min(1).max(256).optional(),
    /** Request starts per second to this registry; 0 means no limit. */
    requestsPerSecond: z.number().min(0).max(10_000).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    git,
    registries: z.array(registry).default([]),
    /** A Docker config.json (a dockerconfigjson Secret): `auths`, `credHelpers`, `credsStore`. */
    dockerConfig: secret.optional(),
    interval: duration.default(5 * 60_000),
    cacheDir: z.string().min(1).optional(),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type Secret = z.output<typeof secret>;
