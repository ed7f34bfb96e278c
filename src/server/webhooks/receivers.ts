/**
 * The receivers a handler serves, checked before it serves any: a receiver that would let anyone
 * in (no secret, a short one, the wrong kind of one) is refused, never served.
 */
import { TagpilotError } from '../../problems/index.ts';
import { GIT_KINDS, REGISTRY_KINDS, type Receiver, type ReceiverKind } from './types.ts';

/** Kinds whose senders sign the body; the others present a token, and `generic` takes either. */
const HMAC_KINDS: ReadonlySet<ReceiverKind> = new Set(['github', 'github-packages', 'gitea']);
const KINDS: ReadonlySet<string> = new Set([...REGISTRY_KINDS, ...GIT_KINDS]);
/** The config's name rule: lower-case letters, digits, `. _ -`, at most 63, a letter or digit at either end. */
const NAME = /^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;
/** Shorter secrets can be guessed online; the sender's settings take any length we ask for. */
export const MIN_SECRET_LENGTH = 16;
export const DEFAULT_MAX_BODY = 2 ** 20;
export const MAX_BODY = 16 * 2 ** 20;

/** A receiver that may serve, its body bound filled in. */
export type CheckedReceiver = Receiver & { maxBodyBytes: number };

/** The receivers as given, defaults filled in; throws `config-invalid` naming every receiver that may not serve. */
export function checkReceivers(receivers: readonly Receiver[]): CheckedReceiver[] {
  const problems = receivers.flatMap((receiver, i) => receiverProblems(receiver).map((why) => `webhooks[${i}] (${receiver.name}): ${why}`));
  const names = receivers.map((r) => r.name);
  for (const [i, name] of names.entries()) if (names.indexOf(name) !== i) problems.push(`webhooks[${i}] (${name}): another receiver has this name`);
  if (problems.length > 0) throw new TagpilotError('config-invalid', problems.join('; '), { data: { problems } });
  return receivers.map((r) => ({ ...r, maxBodyBytes: r.maxBodyBytes ?? DEFAULT_MAX_BODY }));
}

function receiverProblems(receiver: Receiver): string[] {
  if (!KINDS.has(receiver.kind)) return [`unknown kind "${receiver.kind}"`];
  const problems: string[] = [];
  if (!NAME.test(receiver.name)) problems.push('the name must be lower-case letters, digits and . _ - (at most 63)');
  problems.push(...secretProblems(receiver));
  const body = receiver.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (!Number.isInteger(body) || body < 1024 || body > MAX_BODY) problems.push(`maxBodyBytes must be an integer from 1024 to ${MAX_BODY}`);
  if (receiver.registry !== undefined && ((GIT_KINDS as readonly string[]).includes(receiver.kind) || !HOST.test(receiver.registry))) problems.push('registry must be a host or host:port, and only on a registry receiver');
  return problems;
}

function secretProblems({ kind, secret, token }: Receiver): string[] {
  const needs = kind === 'generic' ? (secret !== undefined ? 'secret' : 'token') : HMAC_KINDS.has(kind) ? 'secret' : 'token';
  const given = needs === 'secret' ? secret : token;
  const other = needs === 'secret' ? token : secret;
  if (given === undefined || given === '') return [`a ${kind} receiver needs a ${needs}: a receiver without a secret is refused`];
  if (other !== undefined) return [`a ${kind} receiver takes one of secret and token, not both`];
  if (given.length < MIN_SECRET_LENGTH) return [`the ${needs} is shorter than ${MIN_SECRET_LENGTH} characters`];
  return [];
}
