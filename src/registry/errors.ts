import { TagpilotError, type Code } from '../problems/index.ts';

/** Stable codes of the registry layer's failures (what problems, events and metrics key on). */
export const REGISTRY_CODES = {
  /** Any other failed exchange: unreachable, timed out, refused, malformed. */
  failed: 'registry-request-failed',
  /** A request carrying a credential was redirected to another origin: refused, never followed. */
  credentialRedirect: 'credential-redirect',
  /** A tag list longer than `maxPages` pages or `maxTags` tags. */
  paginationLimit: 'pagination-limit',
  /** A tag listing that did not finish within `listTimeout`. */
  listingDeadline: 'listing-deadline',
  /** No answer before the cycle's registry deadline: the repository's slots wait for the next cycle. */
  registryDeadline: 'registry-deadline',
} as const satisfies Record<string, Code>;

/** A registry failure pinned on one repository; its code is the cause's (a TransportError's). */
export class RegistryError extends TagpilotError {
  override name = 'RegistryError';
  /** The repository the error is about, as written in the manifests. */
  readonly repository: string;

  constructor(repository: string, message: string, options?: ErrorOptions & { code?: Code; data?: Record<string, unknown> }) {
    super(options?.code ?? REGISTRY_CODES.failed, `${repository}: ${message}`, { ...options, data: { repository, ...options?.data } });
    this.repository = repository;
  }
}

/**
 * A failed exchange with a host, before it is pinned on a repository. Carries only what is safe
 * to print: host, status, a code; never headers, never URLs with queries. Without an explicit
 * code, the status (or its absence) gives one.
 */
export class TransportError extends TagpilotError {
  override name = 'TransportError';
  /** Worth another attempt: network failures, timeouts, 429, 5xx. */
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(message: string, retryable: boolean, status?: number, options?: { code?: Code; data?: Record<string, unknown> }) {
    super(options?.code ?? REGISTRY_CODES.failed, message, { data: { ...(status === undefined ? {} : { status }), ...options?.data } });
    this.retryable = retryable;
    this.status = status;
  }
}
