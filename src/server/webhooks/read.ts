/**
 * One request, judged and read, with no I/O: the pure core of every receiver. Authentication
 * comes first and alone decides 401; only an authenticated body is parsed.
 */
import { TagpilotError } from '../../problems/index.ts';
import { authenticated } from './auth.ts';
import { PayloadError } from './hints.ts';
import { SOURCES } from './sources/index.ts';
import type { Hint, Receiver, WebhookRequest } from './types.ts';

/** The request does not prove it knows the receiver's secret: answered 401. */
export class UnauthorizedError extends TagpilotError {
  override name = 'UnauthorizedError';

  constructor(receiver: string) {
    super('webhook-unauthorized', `webhook receiver "${receiver}": the request is not signed with its secret or does not present its token`, { data: { receiver } });
  }
}

/**
 * The hints of an authenticated request; an empty list for an event that carries none (a pull, a
 * ping, a tag push). Throws UnauthorizedError or PayloadError.
 */
export function readWebhook(receiver: Receiver, request: WebhookRequest): Hint[] {
  if (!authenticated(receiver, request)) throw new UnauthorizedError(receiver.name);
  let payload: unknown;
  try {
    payload = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new PayloadError(`webhook receiver "${receiver.name}": the body is not JSON`);
  }
  return SOURCES[receiver.kind](payload, { headers: request.headers, ...(receiver.registry === undefined ? {} : { registry: receiver.registry }) });
}
