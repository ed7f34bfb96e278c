import { TagpilotError, type Code } from '../problems/index.ts';

/**
 * Why a hosting API call failed, as a stable code: `hosting-unauthorized` (401, or 403 that is no
 * rate limit), `hosting-rate-limited` (429, or 403 with no requests left; `data.resetAt` says
 * until when), `hosting-not-found`, `hosting-conflict` (the host says it exists already),
 * `hosting-refused` (any other refusal, with the host's own words), `hosting-bad-answer` (not
 * the JSON the API describes), `hosting-unreachable`.
 */
export class HostingError extends TagpilotError {
  override name = 'HostingError';
  readonly status: number | undefined;

  constructor(code: Code, message: string, data: { host: string; status?: number; resetAt?: string }) {
    super(code, message, { data });
    this.status = data.status;
  }
}

/** The code for a refusal, from its status and the rate-limit headers the hosts send. */
export function refusalCode(status: number, rateLimitLeft: string | undefined): Code {
  if (status === 429 || (status === 403 && rateLimitLeft === '0')) return 'hosting-rate-limited';
  if (status === 401 || status === 403) return 'hosting-unauthorized';
  if (status === 404) return 'hosting-not-found';
  if (status === 409) return 'hosting-conflict';
  return 'hosting-refused';
}

/** A host's error text, on one line and bounded: it is shown to people, never trusted further. */
export function hostWords(text: unknown): string {
  const words = typeof text === 'string' ? text : Array.isArray(text) ? text.filter((t) => typeof t === 'string').join('; ') : '';
  return words.replace(CONTROL_RUNS, ' ').trim().slice(0, 300);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what hostWords strips
const CONTROL_RUNS = /[\u0000-\u001f\u007f]+/g;
