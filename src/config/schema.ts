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

const registry = z
  .object({
    host: z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host or host:port'),
    /** Plain HTTP instead of HTTPS: only for registries on a trusted network. */
    insecure: z.boolean().default(false),
  })
  .strict();

/** A policy named `namespace:name`, for Flux v2 `$imagepolicy` markers. */
const namedPolicy = z
  .object({
    policy: z.string().min(1),
    /** The repository it follows; needed when a marker holds only a tag. */
    image: z.string().min(1).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    git,
    registries: z.array(registry).default([]),
    policies: z.record(z.string().regex(/^[^:\s]+:[^:\s]+$/, 'must be namespace:name'), namedPolicy).default({}),
    interval: duration.default(5 * 60_000),
    cacheDir: z.string().min(1).optional(),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type Secret = z.output<typeof secret>;
