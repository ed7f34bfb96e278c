/**
 * The base of every error tagpilot raises on purpose. `code` is stable (kebab-case) and is what
 * problems, events, metrics and the status page key on; `message` is for people and never holds a
 * credential; `data` carries safe, structured details (a host, a limit, a path).
 */
export class TagpilotError extends Error {
  override name = 'TagpilotError';
  readonly code: string;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options?: ErrorOptions & { data?: Record<string, unknown> }) {
    super(message, options);
    this.code = code;
    this.data = options?.data ?? {};
  }
}

/** The stable code of any thrown value: ours, or `internal` for everything else. */
export function errorCode(error: unknown): string {
  return error instanceof TagpilotError ? error.code : 'internal';
}
