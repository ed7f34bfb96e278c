/**
 * What a payload may say, checked: a repository that an image reference could name, a branch and
 * repository URLs that a Git remote could be. Anything else is dropped here, so what reaches the
 * sink is always well-formed, however hostile the sender.
 */
import type { z } from 'zod';
import { canonicalHost, canonicalPath, parseImageRef } from '../../image/index.ts';
import { TagpilotError } from '../../problems/index.ts';
import type { Hint } from './types.ts';

/** A body that is not the JSON its sender describes: answered 400. */
export class PayloadError extends TagpilotError {
  override name = 'PayloadError';

  constructor(message: string) {
    super('webhook-payload-invalid', message);
  }
}

/** The payload read by `schema`, or a PayloadError naming the first field that is wrong. */
export function readPayload<S extends z.ZodType>(schema: S, payload: unknown, what: string): z.output<S> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new PayloadError(`not a ${what} payload${issue === undefined ? '' : ` (${issue.path.join('.') || 'body'}: ${issue.message})`}`);
}

/**
 * `host/path` as an image reference would name it, canonical; undefined when no image reference
 * could (such a repository is in no automation). `host` undefined is Docker Hub.
 */
export function repositoryHint(host: string | undefined, path: string): Hint | undefined {
  try {
    const ref = parseImageRef(host === undefined ? path : `${host}/${path}`);
    if (ref.host !== host || ref.tag !== undefined || ref.digest !== undefined) return undefined;
    return { kind: 'repository', host: canonicalHost(ref), repository: canonicalPath(ref) };
  } catch {
    return undefined;
  }
}

/**
 * The repository of an image reference (`quay.io/team/app`, `harbor.example.com/o/p:1.2`), tag and
 * digest dropped, on `registry` when that is given, else on the host it names, else on
 * `hostless` (a reference a registry wrote of itself without a host names no registry: none).
 */
export function referenceHint(reference: string, registry: string | undefined, hostless?: string): Hint | undefined {
  try {
    const ref = parseImageRef(reference);
    const host = registry ?? ref.host ?? hostless;
    return host === undefined ? undefined : repositoryHint(host, ref.path);
  } catch {
    return undefined;
  }
}

const BRANCH_REF = /^refs\/heads\/(.+)$/;
/** git check-ref-format's rules, in short: no controls, spaces, `~^:?*[\`, no `..`, `@{`, no `/` at either end. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a ref may not hold
const BAD_BRANCH = /[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|^\/|\/$|\.lock$|^-/;
const MAX_URL = 2048;
const GIT_URL = /^(?:(?:https?|ssh|git):\/\/[^\s]+|[^\s@/:]+@[^\s/:]+:[^\s]+)$/;

/** A push to a branch (tags and other refs are no hint), with the URLs that are URLs. */
export function gitHint(ref: string, urls: readonly (string | undefined)[]): Hint | undefined {
  const branch = BRANCH_REF.exec(ref)?.[1];
  if (branch === undefined || branch.length > 255 || BAD_BRANCH.test(branch)) return undefined;
  const valid = [...new Set(urls.filter((url): url is string => url !== undefined && url.length <= MAX_URL && GIT_URL.test(url)))];
  return valid.length === 0 ? undefined : { kind: 'git', urls: valid, branch };
}

const URL_FORM = /^(?:https?|ssh|git):\/\/(?:[^@/]*@)?(\[[^\]/]*\]|[^/:]+)(?::\d*)?\/+(.*)$/;
const SCP_FORM = /^[^\s@/:]+@([^\s/:]+):\/*(.*)$/;

/**
 * One key for the forms a Git host writes one repository's URL in
 * (`https://host/o/r.git`, `git@host:o/r.git`, `ssh://git@host:2222/o/r`): host and path, without
 * port, credentials, `.git` or case. Two repositories with the same key are taken as one; the
 * worst that does is an extra sync.
 */
export function gitRepositoryKey(url: string): string | undefined {
  const match = URL_FORM.exec(url) ?? SCP_FORM.exec(url);
  if (match === null) return undefined;
  const path = match[2]!.replace(/\/+$/, '').replace(/\.git$/i, '');
  return path === '' ? undefined : `${match[1]!}/${path}`.toLowerCase();
}
