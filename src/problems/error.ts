import type { Code } from './codes.ts';

/**
 * The base of every error tagpilot raises on purpose. `code` is stable (kebab-case) and is what
 * problems, events, metrics and the status page key on; `message` is for people and never holds a
 * credential; `data` carries safe, structured details (a host, a limit, a path).
 */
export class TagpilotError extends Error {
  override name = 'TagpilotError';
  readonly code: Code;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: Code, message: string, options?: ErrorOptions & { data?: Record<string, unknown> }) {
    super(message, options);
    this.code = code;
    this.data = options?.data ?? {};
  }
}

/** The stable code of any thrown value: ours, or `internal` for everything else. */
export function errorCode(error: unknown): Code {
  return error instanceof TagpilotError ? error.code : 'internal';
}

/** Work stopped because its AbortSignal fired (a shutdown, a deadline); nothing half-done is reported as done. */
export class CancelledError extends TagpilotError {
  override name = 'CancelledError';

  constructor(what: string, options?: ErrorOptions) {
    super('cancelled', `${what}: cancelled`, options);
  }
}

/** Throws a CancelledError once `signal` has fired: the cycle's checkpoints between steps. */
export function throwIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new CancelledError(what, { cause: signal.reason });
}
