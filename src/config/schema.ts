import { isIP } from 'node:net';
import { isAbsolute, posix, resolve, sep } from 'node:path';
import { z } from 'zod';
import { DEFAULT_GIT_LIMITS } from '../git/index.ts';
import { parseFreezeWindow, readDuration } from '../policy/index.ts';

const duration = z.string().transform((text, ctx) => {
  const ms = readDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30s, 5m or 1h30m (units ms s m h d w)` });
    return z.NEVER;
  }
  return ms;
});

/**
 * A duration within [min, max] ms: a typo (`1ms`, `9999999w`) never becomes a hot loop or a
 * timer that overflows and fires at once.
 */
function boundedDuration(min: number, max: number, range = `${min / 1000}s and ${max / 60_000}m`) {
  return duration.refine((ms) => ms >= min && ms <= max, `must be between ${range}`);
}

/** Time between cycles: 1 s (tests and soak runs loop that fast) to one day. */
export const INTERVAL_BOUNDS = { min: 1_000, max: 86_400_000 } as const;
/** Connect and idle timeouts: 100 ms to 10 minutes. */
export const TIMEOUT_BOUNDS = { min: 100, max: 600_000 } as const;
const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** A byte size between `min` and `max`: a number of bytes, or `512KiB`, `1MiB`, `1GiB`. */
function size(min: number, max: number, range: string) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const match = typeof value === 'number' ? [String(value), String(value), ''] : /^(\d{1,10})\s*(B|KiB|MiB|GiB)?$/.exec(value.trim());
    const bytes = match === null ? undefined : Number(match[1]) * (SIZE_UNITS[match[2] ?? ''] ?? NaN);
    if (bytes === undefined || !Number.isInteger(bytes)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a size like 512KiB, 1MiB or a number of bytes` });
      return z.NEVER;
    }
    if (bytes < min || bytes > max) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is outside ${range}` });
      return z.NEVER;
    }
    return bytes;
  });
}

/** Per file: a manifest is kilobytes; parsing costs some 40 times the file in heap. */
export const FILE_SIZE_BOUNDS = { min: 1024, max: 64 * 1024 ** 2 } as const;
/** Per cycle: what is read from the repository in all. */
export const CYCLE_SIZE_BOUNDS = { min: 1024 ** 2, max: 4 * 1024 ** 3 } as const;

const interval = boundedDuration(INTERVAL_BOUNDS.min, INTERVAL_BOUNDS.max, '1s and 1d');
const timeout = boundedDuration(TIMEOUT_BOUNDS.min, TIMEOUT_BOUNDS.max, '100ms and 10m');

/** A Kubernetes Secret's key, by name only (docs/kubernetes.md#secrets); the namespace defaults to tagpilot's own. */
const kubeSecretRef = z
  .object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Secret name (lowercase letters, digits, - and .)'),
    key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, 'must be a Secret key (letters, digits, -, _ and .)'),
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a namespace name')
      .optional(),
  })
  .strict();

/** A secret is never written in the config itself: it names an environment variable, a file or a Kubernetes Secret. */
const secret = z.union([z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict(), z.object({ secret: kubeSecretRef }).strict()]);

const gitAuth = z
  .object({
    username: z.string().min(1).default('x-access-token'),
    password: secret,
  })
  .strict();

/** A git remote: https://…, ssh://user@host[:port]/path, or scp-like user@host:path. */
const HTTP_URL = /^https?:\/\/[^\s]+$/;
const SSH_URL = /^(ssh:\/\/[^\s]+|[^\s@/:]+@[^\s/:]+:[^\s]+)$/;
const gitUrl = z
  .string()
  .refine((url) => HTTP_URL.test(url) || SSH_URL.test(url), 'must be an http(s)://, ssh:// or user@host:path URL')
  // The URL is logged and shown in errors; a secret in it would be too. The message never repeats it.
  .refine((url) => !hasUrlCredentials(url), 'must not hold credentials: put the user in git.auth.username and the token in git.auth.password ({ env: … } or { file: … })');

/** `https://user[:token]@…` (any userinfo: a token is often the user part), or `ssh://user:password@…`. */
function hasUrlCredentials(url: string): boolean {
  const userinfo = /^[a-z]+:\/\/([^/?#]*)@/i.exec(url)?.[1];
  if (userinfo === undefined) return false;
  return HTTP_URL.test(url) || userinfo.includes(':');
}

/** A repository-relative path: never absolute, never through `..`. */
const repoPath = z
  .string()
  .min(1)
  .refine((path) => !isAbsolute(path) && !path.startsWith('/') && !posix.normalize(path).split('/').includes('..') && !path.includes('\\'), 'must be a path inside the repository (relative, without "..")');

const gitSsh = z
  .object({
    /** The deploy key (OpenSSH or PEM; ed25519, ecdsa or rsa). */
    privateKey: secret,
    passphrase: secret.optional(),
    /** known_hosts listing the server's host key; verified strictly. */
    knownHosts: secret,
  })
  .strict();

/**
 * Commit signatures (docs/review-flows.md): `ssh` (git's gpg.format=ssh) with a dedicated key, or
 * the SSH deploy key when `key` is left out; `openpgp` with an armored secret key.
 */
const gitSigning = z
  .object({
    format: z.enum(['ssh', 'openpgp']),
    key: secret.optional(),
    passphrase: secret.optional(),
  })
  .strict();

const MiB = 2 ** 20;
// The delta depth is git's own bound (it never writes deeper chains), not a setting.
const { deltaDepth: _fixed, ...GIT_LIMIT_DEFAULTS } = DEFAULT_GIT_LIMITS;
const bytes = (min: number) =>
  z
    .number()
    .int()
    .min(min)
    .max(2 ** 31 - 1);

const gitLimits = z
  .object({
    packBytes: bytes(MiB).default(GIT_LIMIT_DEFAULTS.packBytes),
    objectBytes: bytes(64 * 1024).default(GIT_LIMIT_DEFAULTS.objectBytes),
    unpackedBytes: bytes(MiB).default(GIT_LIMIT_DEFAULTS.unpackedBytes),
    advertisementBytes: bytes(64 * 1024).default(GIT_LIMIT_DEFAULTS.advertisementBytes),
  })
  .strict();

const DEFAULT_MESSAGE = { subject: 'tagpilot: {summary}', change: '- {file}:{line} {target}: {image} {from} → {to} ({policy})' };

/** The commit message template (docs/commits.md); trailers are always appended. */
const gitMessage = z
  .object({
    /** The subject line; placeholders: {summary} {count} {workloads}. */
    subject: z.string().min(1).default(DEFAULT_MESSAGE.subject),
    /** One line per change; placeholders: {file} {line} {target} {workload} {container} {image} {from} {to} {policy} {kind}. */
    change: z.string().min(1).default(DEFAULT_MESSAGE.change),
    /** Free text after the change lines (e.g. a link to the runbook); no placeholders. */
    footer: z.string().optional(),
  })
  .strict();

const git = z
  .object({
    url: gitUrl,
    branch: z.string().min(1).default('main'),
    /** Push to this branch instead of `branch` (a review flow); edits build on it while it exists. */
    pushBranch: z.string().min(1).optional(),
    paths: z.array(repoPath).min(1).default(['.']),
    /** HTTPS credentials; a token goes in `password`. */
    auth: gitAuth.optional(),
    /** Allow `auth` over plain http:// (readable by anyone on the path): only on a trusted network. */
    insecure: z.boolean().default(false),
    /** HTTPS: a PEM file of extra CA certificates to trust. */
    caFile: z.string().min(1).optional(),
    ssh: gitSsh.optional(),
    timeouts: z
      .object({ connect: timeout.default(10_000), idle: timeout.default(60_000), operation: boundedDuration(1_000, 3_600_000).default(120_000) })
      .strict()
      .default({ connect: 10_000, idle: 60_000, operation: 120_000 }),
    /** What the Git server may make us hold or compute, in bytes (docs/config.md#git-limits). */
    limits: gitLimits.default(GIT_LIMIT_DEFAULTS),
    /** Files larger than this are skipped with a problem, never read (default 256KiB). */
    maxFileSize: size(FILE_SIZE_BOUNDS.min, FILE_SIZE_BOUNDS.max, 'the allowed range of 1KiB to 64MiB').optional(),
    /** Bytes of files read per cycle; files past it are skipped with a problem (default 64MiB). */
    maxCycleSize: size(CYCLE_SIZE_BOUNDS.min, CYCLE_SIZE_BOUNDS.max, 'the allowed range of 1MiB to 4GiB').optional(),
    /** Pushes tried per cycle when the branch keeps moving under us. */
    pushAttempts: z.number().int().min(1).max(10).default(5),
    message: gitMessage.default(DEFAULT_MESSAGE),
    signing: gitSigning.optional(),
    author: z
      .object({ name: z.string().min(1), email: z.string().min(3) })
      .strict()
      .default({ name: 'tagpilot', email: 'tagpilot@users.noreply.local' }),
  })
  .strict()
  .superRefine((value, ctx) => {
    const https = HTTP_URL.test(value.url);
    // An invalid URL is already reported; settings cannot be checked against it.
    if (!https && !SSH_URL.test(value.url)) return;
    if (!https && value.ssh === undefined) ctx.addIssue({ code: 'custom', path: ['ssh'], message: 'an SSH URL needs ssh.privateKey and ssh.knownHosts' });
    if (https && value.ssh !== undefined) ctx.addIssue({ code: 'custom', path: ['ssh'], message: 'ssh settings given for an https URL' });
    if (!https && (value.auth !== undefined || value.caFile !== undefined)) ctx.addIssue({ code: 'custom', path: ['auth'], message: 'auth and caFile apply to https URLs only' });
    const signing = value.signing;
    if (signing !== undefined && signing.key === undefined) {
      if (signing.format === 'openpgp') ctx.addIssue({ code: 'custom', path: ['signing', 'key'], message: 'openpgp signing needs key (an armored secret key)' });
      else if (value.ssh === undefined) ctx.addIssue({ code: 'custom', path: ['signing', 'key'], message: 'ssh signing needs key, or an SSH URL whose deploy key signs' });
    }
    if (/^http:/i.test(value.url) && value.auth !== undefined && !value.insecure) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'a password over plain http:// can be read on the network: use https://, or set git.insecure: true for a trusted network' });
    }
  });

const globs = z.array(z.string().min(1).max(200)).min(1).max(100).optional();

/**
 * A group of workloads on one review branch, like Renovate's groupName on a packageRule: each
 * given matcher is a list of globs, one of which must match; a group needs at least one.
 */
const reviewGroup = z
  .object({
    /** The branch's {group}: letters, digits, `.`, `_` and `-`, as a ref name allows. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit')
      .refine((n) => !n.includes('..') && !n.endsWith('.lock') && !n.endsWith('.'), 'must not hold "..", nor end in "." or ".lock" (not a valid ref name)'),
    /** Workload ids, `namespace:kind/name` (e.g. `shop:deployment/*`). */
    workloads: globs,
    /** Repositories as written in the files, without tag (e.g. `ghcr.io/acme/*`). */
    images: globs,
    /** Repo-relative file paths (e.g. `apps/shop/**`). */
    files: globs,
  })
  .strict()
  .refine((g) => g.workloads !== undefined || g.images !== undefined || g.files !== undefined, 'a group needs workloads, images or files');

/**
 * Pull-request mode (docs/review-flows.md): changes go to tagpilot's own branch and one open pull
 * request per target, on GitHub, GitLab or Gitea/Forgejo, or as an AGit push (`refs/for/<branch>`).
 */
const review = z
  .object({
    host: z.enum(['github', 'gitlab', 'gitea', 'agit']),
    /** The API root; GitHub's default is https://api.github.com, the others need the instance URL. */
    url: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s):// URL')
      .optional(),
    /** `owner/repo` (GitHub, Gitea), or the project path `group/sub/project` (GitLab). */
    repository: z
      .string()
      .regex(/^[^\s/]+(\/[^\s/]+)+$/, 'must be owner/repo (GitLab: group/…/project)')
      .optional(),
    token: secret.optional(),
    /** GitHub App: an installation token is got (and renewed) from the App's key. */
    app: z
      .object({ id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]), installationId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]), privateKey: secret })
      .strict()
      .optional(),
    /**
     * tagpilot's branch; {branch} is the target branch, {group} the workload or group (required
     * unless branchPer is target). Default tagpilot/{branch}, or tagpilot/{branch}/{group}.
     */
    branch: z
      .string()
      .min(1)
      .max(200)
      .refine((b) => b.replaceAll('{branch}', '').replaceAll('{group}', '').match(/[{}]/) === null, 'only {branch} and {group} may be templated')
      .optional(),
    /** One review branch and pull request per target (default), per workload, or per group of workloads. */
    branchPer: z.enum(['target', 'workload', 'group']).default('target'),
    /** With branchPer group: a change joins the first group whose given matchers all match; the rest get a branch per workload. */
    groups: z.array(reviewGroup).max(50).default([]),
    /** Review branches (and pull requests) one automation keeps at most; the rest wait, each a problem. */
    maxBranches: z.number().int().min(1).max(100).default(20),
    labels: z.array(z.string().min(1)).max(20).default([]),
    reviewers: z.array(z.string().min(1)).max(20).default([]),
    autoMerge: z.enum(['merge', 'squash', 'rebase']).optional(),
    /** AGit: the topic of the review (default: the review branch's name). */
    topic: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    reviewBranchesCheck(value, ctx);
    if (value.host === 'agit') return;
    if (value.repository === undefined) ctx.addIssue({ code: 'custom', path: ['repository'], message: `${value.host} needs repository` });
    if (value.host !== 'github' && value.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: `${value.host} needs url (the instance, e.g. https://gitlab.example.com)` });
    if (value.app !== undefined && value.host !== 'github') ctx.addIssue({ code: 'custom', path: ['app'], message: 'app applies to GitHub only' });
    if (value.host === 'github' ? (value.token === undefined) === (value.app === undefined) : value.token === undefined) ctx.addIssue({ code: 'custom', path: ['token'], message: value.host === 'github' ? 'github needs token or app (one of them)' : `${value.host} needs token` });
  })
  .transform((value) => ({ ...value, branch: value.branch ?? (value.branchPer === 'target' ? 'tagpilot/{branch}' : 'tagpilot/{branch}/{group}') }));

/** What branchPer asks of the template and the groups. */
function reviewBranchesCheck(value: { host: string; branch?: string; branchPer: string; groups: readonly { name: string }[] }, ctx: z.RefinementCtx): void {
  const perTarget = value.branchPer === 'target';
  if (value.branch !== undefined && value.branch.includes('{group}') === perTarget) ctx.addIssue({ code: 'custom', path: ['branch'], message: perTarget ? '{group} needs branchPer workload or group' : `branchPer ${value.branchPer} needs {group} in the branch template, or every group would share one branch` });
  if (!perTarget && value.host === 'agit') ctx.addIssue({ code: 'custom', path: ['branchPer'], message: 'agit has no API to find or close reviews: one branch per target only' });
  if (value.branchPer === 'group' && value.groups.length === 0) ctx.addIssue({ code: 'custom', path: ['groups'], message: 'branchPer group needs groups' });
  if (value.branchPer !== 'group' && value.groups.length > 0) ctx.addIssue({ code: 'custom', path: ['groups'], message: 'groups apply with branchPer group only' });
  const seen = new Set<string>();
  for (const [i, group] of value.groups.entries()) {
    if (seen.has(group.name)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `${group.name}: a second group of that name` });
    seen.add(group.name);
  }
}

/** A cloud's own token flow with the pod's workload identity (docs/registries.md, one section per cloud). */
const cloudAuth = z.discriminatedUnion('cloud', [
  z
    .object({
      cloud: z.literal('ecr'),
      region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region like eu-west-1')
        .optional(),
      registryId: z
        .string()
        .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
        .optional(),
    })
    .strict(),
  z.object({ cloud: z.literal('ecr-public') }).strict(),
  /** Without `credentialsFile`: Application Default Credentials (GKE Workload Identity, the metadata server). */
  z.object({ cloud: z.literal('gcp'), credentialsFile: z.string().min(1).optional() }).strict(),
  z.object({ cloud: z.literal('acr'), tenantId: z.string().min(1).optional(), clientId: z.string().min(1).optional() }).strict(),
]);

/** Credentials for one registry: a username with a secret password, a Docker credential helper, or a cloud's token flow. */
const registryAuth = z.union([z.object({ username: z.string().min(1), password: secret }).strict(), z.object({ helper: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a helper name like ecr-login (runs docker-credential-<name>)') }).strict(), cloudAuth]);

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
    /** Tags per repository; a longer list is that repository's problem (pagination-limit). */
    maxTags: z.number().int().min(1).max(1_000_000).optional(),
    /** Pages of tags per repository; more is that repository's problem (pagination-limit). */
    maxPages: z.number().int().min(1).max(100_000).optional(),
    /** One repository's whole tag listing, every page included (listing-deadline). */
    listTimeout: boundedDuration(1_000, 3_600_000).optional(),
    /** Requests in flight to this registry at once. */
    concurrency: z.number().int().min(1).max(256).optional(),
    /** Request starts per second to this registry; 0 means no limit. */
    requestsPerSecond: z.number().min(0).max(10_000).optional(),
    /** Docker Hub's API for tag lists (docker.io: https://hub.docker.com by default); false: the Distribution API only. */
    hubApi: z.union([z.literal(false), z.url({ protocol: /^https?$/ })]).optional(),
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

/** A signature policy (docs/signatures.md): a cosign public key, or a keyless identity and issuer. */
const keyless = z
  .object({
    /** The OIDC issuer in the signing certificate, e.g. https://token.actions.githubusercontent.com. */
    issuer: z.url(),
    /** The certificate's subject (an email or a URI such as a workflow), exactly… */
    identity: z.string().min(1).optional(),
    /** …or as a regular expression. */
    identityRegexp: z.string().min(1).max(1024).optional(),
    /** A Sigstore trusted_root.json (a private Sigstore); default: the public-good instance, through TUF. */
    trustedRoot: z.string().min(1).optional(),
  })
  .strict()
  .refine((k) => (k.identity === undefined) !== (k.identityRegexp === undefined), 'give exactly one of identity and identityRegexp');
const signaturePolicy = z.union([z.object({ key: z.string().min(1) }).strict(), z.object({ keyless }).strict()]);
const SIGNATURE_POLICY_NAME = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;

const signatures = z
  .object({
    /** Policies by name; workloads name them in `tagpilot.io/verify-signature[.<container>]`. */
    policies: z.record(z.string().regex(SIGNATURE_POLICY_NAME, 'must be a name of lowercase letters, digits, . _ -'), signaturePolicy).default({}),
    /** Images (a glob over the repository, e.g. ghcr.io/acme/*) that always need a policy's signatures. */
    rules: z.array(z.object({ image: z.string().min(1), policy: z.string().min(1) }).strict()).default([]),
  })
  .strict()
  .superRefine((value, ctx) => {
    for (const [i, rule] of value.rules.entries()) {
      if (!(rule.policy in value.policies)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'policy'], message: `no signature policy "${rule.policy}" in signatures.policies` });
    }
  });

/** Lease durations: 1 s (tests) to 5 minutes (a takeover waits up to this long). */
export const LEASE_DURATION_BOUNDS = { min: 1_000, max: 300_000 } as const;

/**
 * Leader election on Leases (docs/kubernetes.md#leader-election): in a Pod, `tagpilot run` cycles
 * only while it holds its automation's Lease, so replicas never cycle the same automation at once.
 */
const leaderElection = z
  .object({
    enabled: z.boolean().default(true),
    leaseDuration: boundedDuration(LEASE_DURATION_BOUNDS.min, LEASE_DURATION_BOUNDS.max, '1s and 5m').default(15_000),
  })
  .strict();

/** Sync loops to nudge after a push (docs/argocd.md, docs/flux.md): optional, best effort. */
const httpUrl = z.url({ protocol: /^https?$/ });
const nudge = z
  .object({
    /** Argo CD's server (its /api/webhook); `secret` is its webhook.github.secret. */
    argocd: z.object({ url: httpUrl, secret: secret.optional() }).strict().optional(),
    /** A Flux notification-controller Receiver's URL (…/hook/<digest>) and its type; `token` is the Receiver's secret token. */
    flux: z
      .object({ url: httpUrl, type: z.enum(['generic', 'generic-hmac', 'github']).default('generic'), token: secret.optional() })
      .strict()
      .refine((f) => f.type === 'generic' || f.token !== undefined, { message: "a generic-hmac or github Receiver needs token (the Receiver's secret)", path: ['token'] })
      .optional(),
  })
  .strict();

/** Freeze windows (docs/operations.md#freeze-windows), each read here so a bad one is named with its field. */
const freezeList = z
  .array(
    z
      .string()
      .min(1)
      .max(200)
      .superRefine((text, ctx) => {
        try {
          parseFreezeWindow(text);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
  )
  .max(20);
/** What a person moving a slot away from tagpilot's tag does where the slot (and its repository) does not say: reject that tag (newer ones flow), or hold the slot. */
const onRevert = z.enum(['reject', 'lock']);

/** An automation's name: it names the automation in logs, metrics, Leases and the status page. */
const AUTOMATION_NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;
const automationName = z.string().regex(AUTOMATION_NAME, 'must be a name of lowercase letters, digits, . _ - (at most 63, starting and ending with a letter or digit)');

/**
 * One entry of `automations:` (docs/controller.md): a repository, branch and paths with their
 * credentials, identity, message and push mode, on its own schedule. Later settings of one
 * automation (freeze windows, …) are more fields here.
 */
/**
 * Rollout verification (docs/verification.md): `deadline` opts every workload the automations
 * move in (a workload's tagpilot.io/verify annotation overrides it, `off` opts out).
 */
export const VERIFY_DEADLINE_RANGE = { min: 10_000, max: 86_400_000 } as const;
const verify = z
  .object({
    deadline: boundedDuration(VERIFY_DEADLINE_RANGE.min, VERIFY_DEADLINE_RANGE.max, '10s and 24h').optional(),
    interval: boundedDuration(1_000, 300_000, '1s and 5m').default(10_000),
    maxConcurrent: z.number().int().min(1).max(500).default(20),
  })
  .strict();

/**
 * Notification routes (docs/notifications.md): Slack incoming webhooks, Teams workflows, a signed
 * JSON webhook. A Slack or Teams URL is itself a credential: give it as a secret source.
 */
const notifyRoute = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
    type: z.enum(['slack', 'teams', 'webhook']),
    url: z.union([httpUrl, secret]),
    /** The webhook's HMAC-SHA256 key. */
    secret: secret.optional(),
    events: z
      .array(z.enum(['updated', 'verified', 'failed', 'reverted', 'held-back']))
      .min(1)
      .default(['updated', 'verified', 'failed', 'reverted']),
    template: z.string().min(1).max(2000).optional(),
    perMinute: z.number().int().min(1).max(600).default(20),
  })
  .strict()
  .refine((r) => r.type !== 'webhook' || r.secret !== undefined, { message: 'a webhook route needs secret (the HMAC-SHA256 key its receiver checks)', path: ['secret'] });
const notify = z
  .array(notifyRoute)
  .max(20)
  .refine((routes) => new Set(routes.map((r) => r.name)).size === routes.length, 'route names must be unique');

/** What a failed rollout verification does where the workload does not say (`tagpilot.io/on-failure`). */
const onFailure = z.enum(['revert', 'none']);

const automation = z
  .object({
    name: automationName,
    git,
    review: review.optional(),
    /** Time between cycles; default: the top-level `interval`. */
    interval: duration.optional(),
    /** A cycle still running after this is cancelled (the watchdog); default: the top-level `cycleTimeout`. */
    cycleTimeout: boundedDuration(1_000, 86_400_000).optional(),
    /** This automation's verification deadline (`false`: none of its workloads is verified); default: the top-level `verify`. */
    verify: z.union([z.literal(false), z.object({ deadline: verify.shape.deadline }).strict()]).optional(),
    /** This automation's notification routes, instead of the top-level `notify`. */
    notify: notify.optional(),
    /** default: the top-level `onFailure`. */
    onFailure: onFailure.optional(),
    /** This automation's freeze windows, instead of the top-level ones (`[]`: none). */
    freeze: freezeList.optional(),
    /** This automation's on-revert default, instead of the top-level one. */
    onRevert: onRevert.optional(),
  })
  .strict();

const port = z.number().int().min(0).max(65_535);

/**
 * The controller's HTTP listeners (docs/controller.md#endpoints): probes and metrics on one port,
 * webhook receivers on another, so a network policy can open the second to the outside and keep
 * the first to the cluster.
 */
/** `10.0.0.0/8`, `fd00::/8`, `127.0.0.1`: what node:net's BlockList takes. */
function isAddressOrCidr(text: string): boolean {
  const [address = '', prefix, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

const server = z
  .object({
    address: z.string().min(1).default('0.0.0.0'),
    port: port.default(8080),
    /** Where the webhook receivers listen (only when `webhooks:` has any); default: `address`. */
    webhookAddress: z.string().min(1).optional(),
    webhookPort: port.default(8081),
    /** The status page (docs/status-page.md) at /status/ on `port`: off unless enabled; read-only; with `token`, every request must carry it as a bearer token. */
    status: z
      .object({
        enabled: z.boolean().default(false),
        token: secret.optional(),
        /** An authenticating proxy's identity header, trusted only from `trustedProxies` (docs/status-page.md#authentication). */
        proxyAuth: z
          .object({
            header: z
              .string()
              .regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name')
              .default('X-Forwarded-User')
              .transform((h) => h.toLowerCase()),
            trustedProxies: z.array(z.string().refine(isAddressOrCidr, 'an address or CIDR (10.0.0.0/8, fd00::/8)')).min(1).max(64),
          })
          .strict()
          .optional(),
        /** The Git host's web address of a commit: `{commit}` its id, `{path}` the repository's path (`https://github.com/{path}/commit/{commit}`). */
        commitUrl: z.string().max(512).includes('{commit}', { message: 'holds {commit}' }).optional(),
      })
      .strict()
      .default({ enabled: false }),
  })
  .strict();

/** Receivers of registry notifications and Git push events; each kind's payload and authentication in docs/controller.md#webhooks. */
export const REGISTRY_RECEIVERS = ['distribution', 'gitlab-registry', 'harbor', 'dockerhub', 'quay', 'github-packages', 'generic'] as const;
export const GIT_RECEIVERS = ['github', 'gitlab', 'gitea'] as const;
/** Kinds that sign the body (HMAC-SHA256 with `secret`); the others send `token`, and `generic` takes either. */
const HMAC_KINDS: ReadonlySet<string> = new Set(['github-packages', 'github', 'gitea']);
const MAX_WEBHOOK_BODY = 16 * MiB;

const webhook = z
  .object({
    /** The receiver's path: /webhooks/<name>. */
    name: automationName,
    kind: z.enum([...REGISTRY_RECEIVERS, ...GIT_RECEIVERS]),
    /** The HMAC key the sender signs the body with. */
    secret: secret.optional(),
    /** The token the sender presents (a header, or for Docker Hub and Quay the last path segment). */
    token: secret.optional(),
    /** Registry receivers: the registry host as image references write it (default: what the payload names). */
    registry: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host or host:port')
      .optional(),
    /** A larger body is refused with 413 before it is read whole. */
    maxBodyBytes: z.number().int().min(1024).max(MAX_WEBHOOK_BODY).default(MiB),
  })
  .strict()
  .superRefine((value, ctx) => {
    const isGit = (GIT_RECEIVERS as readonly string[]).includes(value.kind);
    if (isGit && value.registry !== undefined) ctx.addIssue({ code: 'custom', path: ['registry'], message: `a ${value.kind} receiver takes Git push events: registry does not apply` });
    if (value.kind === 'generic') {
      if ((value.secret === undefined) === (value.token === undefined)) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'a generic receiver needs exactly one of secret (HMAC) and token: a receiver without a secret is refused' });
      return;
    }
    const needs = HMAC_KINDS.has(value.kind) ? 'secret' : 'token';
    const other = needs === 'secret' ? 'token' : 'secret';
    if (value[needs] === undefined) ctx.addIssue({ code: 'custom', path: [needs], message: `a ${value.kind} receiver needs ${needs}${needs === 'secret' ? ' (the HMAC key it signs with)' : ''}: a receiver without a secret is refused` });
    if (value[other] !== undefined) ctx.addIssue({ code: 'custom', path: [other], message: `a ${value.kind} receiver authenticates with ${needs}, not ${other}` });
  });

/** The settings two automations on one clone (URL and branch) must share: the clone and its connections are one. */
const SHARED_CLONE_FIELDS = ['auth', 'caFile', 'ssh', 'timeouts', 'limits', 'signing'] as const;

export const configSchema = z
  .object({
    /** One automation, the shorthand for `automations:` with one entry. */
    git: git.optional(),
    review: review.optional(),
    automations: z.array(automation).min(1).max(1_000).optional(),
    registries: z.array(registry).default([]),
    policies: z.record(z.string().regex(/^[^:\s]+:[^:\s]+$/, 'must be namespace:name'), namedPolicy).default({}),
    /** A Docker config.json (a dockerconfigjson Secret): `auths`, `credHelpers`, `credsStore`. */
    dockerConfig: secret.optional(),
    interval: interval.default(5 * 60_000),
    /** The registry phase of a cycle ends by then; what has not answered is its own slots' problem. */
    registryDeadline: boundedDuration(1_000, 3_600_000).default(60_000),
    cacheDir: z.string().min(1).optional(),
    signatures: signatures.optional(),
    nudge: nudge.optional(),
    verify: verify.optional(),
    notify: notify.optional(),
    /** Registry credentials from each workload's imagePullSecrets (and its ServiceAccount's), read through the Kubernetes API (docs/kubernetes.md). */
    pullSecrets: z.boolean().default(false),
    leaderElection: leaderElection.default({ enabled: true, leaseDuration: 15_000 }),
    /** The default cycle timeout of every automation; default: registryDeadline plus three Git operation timeouts. */
    cycleTimeout: boundedDuration(1_000, 86_400_000).optional(),
    /** `tagpilot controller`: on SIGTERM, cycles in progress get this long to finish before they are cancelled. */
    shutdownTimeout: boundedDuration(1_000, 600_000).default(25_000),
    server: server.default({ address: '0.0.0.0', port: 8080, webhookPort: 8081, status: { enabled: false } }),
    webhooks: z.array(webhook).max(100).default([]),
    /** Freeze windows of every automation that does not give its own (docs/operations.md#freeze-windows): nothing is committed while one holds. */
    freeze: freezeList.default([]),
    /** The on-revert default of every automation that does not give its own. */
    onRevert: onRevert.default('reject'),
    /** A failed rollout of a workload that does not say (`tagpilot.io/on-failure`): revert it by a commit, or only tell (docs/verification.md#auto-revert). */
    onFailure: onFailure.default('none'),
  })
  .strict()
  .superRefine((value, ctx) => {
    if ((value.git === undefined) === (value.automations === undefined)) ctx.addIssue({ code: 'custom', path: ['git'], message: 'give either git (one automation) or automations (a list), not both and not neither' });
    if (value.automations !== undefined && value.review !== undefined) ctx.addIssue({ code: 'custom', path: ['review'], message: 'with automations, review goes inside each automation' });
    duplicates(value.automations ?? [], (a) => a.name, ctx, 'automations', 'automation');
    duplicates(value.webhooks, (w) => w.name, ctx, 'webhooks', 'receiver');
    sharedClones(value.automations ?? [], ctx);
    if (value.webhooks.length > 0 && value.server.webhookPort !== 0 && value.server.webhookPort === value.server.port && (value.server.webhookAddress ?? value.server.address) === value.server.address)
      ctx.addIssue({ code: 'custom', path: ['server', 'webhookPort'], message: 'webhookPort must differ from port: webhook receivers listen on their own port' });
  });

function duplicates<T>(items: readonly T[], nameOf: (item: T) => string, ctx: z.RefinementCtx, field: string, what: string): void {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    const name = nameOf(item);
    if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [field, i, 'name'], message: `another ${what} is named "${name}"` });
    seen.add(name);
  }
}

/** Automations that share a clone must connect to it alike (docs/controller.md#shared-clones). */
function sharedClones(automations: readonly z.output<typeof automation>[], ctx: z.RefinementCtx): void {
  const first = new Map<string, z.output<typeof automation>>();
  for (const [i, a] of automations.entries()) {
    const key = `${a.git.url}\0${a.git.branch}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, a);
      continue;
    }
    const differ = SHARED_CLONE_FIELDS.filter((f) => JSON.stringify(a.git[f]) !== JSON.stringify(earlier.git[f]));
    if (differ.length > 0) ctx.addIssue({ code: 'custom', path: ['automations', i, 'git'], message: `shares ${a.git.url} (${a.git.branch}) with automation "${earlier.name}", whose clone it uses, but sets ${differ.join(', ')} differently` });
  }
}

export type Config = z.output<typeof configSchema>;

/** Directories nothing of ours belongs in, nor below. */
const SYSTEM_TREES = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/sbin', '/sys', '/usr'];
/** Directories a cache may live below, but that must not be the cache itself. */
const SYSTEM_ROOTS = ['/', '/home', '/opt', '/root', '/run', '/srv', '/var', '/var/lib', '/var/cache', '/var/run', '/mnt', '/media'];

/**
 * Why `dir` (absolute) cannot be the cache directory, or undefined when it can. tagpilot deletes
 * and rewrites what is inside it, so `/` or a system directory is refused outright.
 */
export function cacheDirProblem(dir: string): string | undefined {
  const path = resolve(dir);
  if (SYSTEM_ROOTS.includes(path)) return `"${path}" is a system directory; use a directory of its own, e.g. /var/cache/tagpilot`;
  const tree = SYSTEM_TREES.find((root) => path === root || path.startsWith(`${root}${sep}`));
  if (tree !== undefined) return `"${path}" is inside the system directory ${tree}; use a directory of its own, e.g. /var/cache/tagpilot`;
  return undefined;
}
export type GitSettings = z.output<typeof git>;
export type ReviewConfig = z.output<typeof review>;
export type WebhookConfig = z.output<typeof webhook>;
export type ServerConfig = z.output<typeof server>;
export type Secret = z.output<typeof secret>;
export type NotifyRouteConfig = z.output<typeof notifyRoute>;
export type KubeSecretRef = z.output<typeof kubeSecretRef>;
