import { decodeField as decode, encodeField as encode, oneLine } from './trailers.ts';

export const OPERATION_TRAILER = 'Tagpilot-Operation';

export const OPERATION_VERBS = ['lock', 'unlock', 'automate', 'deautomate', 'policy-set', 'release', 'rollback', 'auto-revert', 'freeze', 'unfreeze'] as const;
export type OperationVerb = (typeof OPERATION_VERBS)[number];

/** One thing a person did through tagpilot, as written in and read from an operation commit. */
export interface OperationTrailer {
  verb: OperationVerb;
  /** The workload (`namespace:kind/name`), or a file (a kustomization, a values file, `.tagpilot.yaml`). */
  target: string;
  /** The slot (a container, a kustomize image, a marker's path); undefined: the whole target. */
  slot?: string;
  by: string;
  /** RFC 3339. */
  at: string;
  reason?: string;
  /** release, rollback, auto-revert: the repository and the values before and after. */
  image?: string;
  from?: string;
  to?: string;
  /** policy-set: the policy set. */
  policy?: string;
  /** freeze: when the freeze ends. */
  until?: string;
}

/** Fields written as `key=value` between the slot and the reason, in this order. */
const FIELDS = ['by', 'at', 'image', 'from', 'to', 'policy', 'until'] as const;

/** Verbs that end a slot's rejections: the person who unlocks it or sets its policy says to move on. */
export const CLEARING_VERBS: ReadonlySet<OperationVerb> = new Set<OperationVerb>(['unlock', 'policy-set']);

/**
 * `Tagpilot-Operation: <verb> <target> <slot|-> by=… at=… [image=… from=… to=…] [policy=…]
 * [until=…] reason=<rest of the line>`. Values never hold whitespace (a space, `%` or control
 * character is percent-encoded); the reason is the rest of the line, as people wrote it.
 */
export function formatOperationTrailer(op: OperationTrailer): string {
  const fields = FIELDS.flatMap((key) => (op[key] === undefined ? [] : [`${key}=${encode(op[key])}`]));
  const reason = op.reason === undefined ? '' : ` reason=${oneLine(op.reason)}`;
  return `${OPERATION_TRAILER}: ${op.verb} ${encode(op.target)} ${slotField(op.slot)} ${fields.join(' ')}${reason}`;
}

/** `-` stands for no slot, so a slot named `-` is written encoded (`%2D`). */
function slotField(slot: string | undefined): string {
  if (slot === undefined) return '-';
  return slot === '-' ? '%2D' : encode(slot);
}

/** Every well-formed `Tagpilot-Operation` trailer of a commit message, in order. */
export function parseOperationTrailers(message: string): OperationTrailer[] {
  const prefix = `${OPERATION_TRAILER}:`;
  const found: OperationTrailer[] = [];
  for (const line of message.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const parsed = parseLine(line.slice(prefix.length).trim());
    if (parsed !== undefined) found.push(parsed);
  }
  return found;
}

function parseLine(text: string): OperationTrailer | undefined {
  const cut = text.indexOf(' reason=');
  const head = cut < 0 ? text : text.slice(0, cut);
  const [verb, target, slot, ...rest] = head.split(/ +/);
  if (!OPERATION_VERBS.includes(verb as OperationVerb) || target === undefined || slot === undefined) return undefined;
  const values: Record<string, string> = {};
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (eq > 0) values[token.slice(0, eq)] = decode(token.slice(eq + 1));
  }
  if (values.by === undefined || values.at === undefined) return undefined;
  const op: OperationTrailer = { verb: verb as OperationVerb, target: decode(target), by: values.by, at: values.at };
  if (slot !== '-') op.slot = decode(slot);
  for (const key of FIELDS.slice(2)) if (values[key] !== undefined) op[key] = values[key];
  if (cut >= 0) op.reason = text.slice(cut + ' reason='.length);
  return op;
}
