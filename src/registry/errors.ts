export class RegistryError extends Error {
  override name = 'RegistryError';
  /** The repository the error is about, as written in the manifests. */
  readonly repository: string;

  constructor(repository: string, message: string, options?: ErrorOptions) {
    super(`${repository}: ${message}`, options);
    this.repository = repository;
  }
}

/**
 * A failed exchange with a host, before it is pinned on a repository. Carries only what is safe
 * to print: host, status, a code; never headers, never URLs with queries.
 */
export class TransportError extends Error {
  override name = 'TransportError';
  /** Worth another attempt: network failures, timeouts, 429, 5xx. */
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(message: string, retryable: boolean, status?: number) {
    super(message);
    this.retryable = retryable;
    this.status = status;
  }
}
