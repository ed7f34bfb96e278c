/**
 * Signature policies in the cycle: a tag is a candidate only if its image carries a valid
 * signature. Checks cost requests, so only the tag the policy would select is checked; when it
 * fails, it is rejected with the verdict and the policy selects again, a bounded number of times.
 */
import { minimatch } from 'minimatch';
import { repositoryName, type ImageRef } from '../image/index.ts';
import type { ImageSlot } from '../manifests/index.ts';
import { withFilters, type Selection, type SignatureVerdict, type TagInfo } from '../policy/index.ts';
import { errorCode } from '../problems/index.ts';
import type { Problem, SignatureRejection } from './types.ts';
import { decideSlot, isProblem, tagSourceRef, type KnownTags, type SlotUpdate } from './update.ts';

/** A config rule: images whose repository matches `image` (a glob) need `policy`'s signatures. */
export interface SignatureRule {
  image: string;
  policy: string;
}

/** The signature checks the cycle may ask for (the registry's SignatureChecker). */
export interface SignatureDeps {
  check(ref: ImageRef, tag: string, policy: string): Promise<SignatureVerdict>;
  rules: readonly SignatureRule[];
}

/** Candidates checked per slot per cycle before the slot is reported and left as it is. */
export const MAX_SIGNATURE_CHECKS = 5;

/** The signature policy a slot is under: its annotation, else the first config rule matching its repository. */
export function signaturePolicyFor(slot: ImageSlot, rules: readonly SignatureRule[] = []): string | undefined {
  const annotated = slot.policy?.filters.signature;
  if (annotated !== undefined) return annotated;
  if (rules.length === 0) return undefined;
  let repository: string;
  try {
    repository = repositoryName(tagSourceRef(slot));
  } catch {
    return undefined; // an unreadable reference is reported by decideSlot
  }
  return rules.find((rule) => minimatch(repository, rule.image, { nocomment: true, nonegate: true }))?.policy;
}

/** decideSlot, with the selected tag's signature checked first when a signature policy applies. */
export async function decideSigned(slot: ImageSlot, tagsFor: KnownTags, signatures: SignatureDeps | undefined, rejected: SignatureRejection[], now: Date = new Date(), explain?: (selection: Selection) => void): Promise<SlotUpdate | Problem | undefined> {
  const name = signaturePolicyFor(slot, signatures?.rules);
  if (name === undefined || slot.policy === undefined || slot.lock.locked) return decideSlot(slot, tagsFor, now, explain);
  const subject = `${slot.file}:${slot.line}${slot.workload === undefined ? '' : ` ${slot.workload}`}`;
  const where = { file: slot.file, line: slot.line };
  // Fail closed: a slot that must be signed is never updated unchecked.
  if (signatures === undefined) return { code: 'signature-policy-unknown', subject, ...where, message: `signature policy "${name}" is required, but the config has no signatures section` };
  const signed = { ...slot, policy: withFilters(slot.policy, { ...slot.policy.filters, signature: name }) };
  const verdicts = new Map<string, SignatureVerdict>();
  const withVerdicts: KnownTags = (ref) => {
    const tags = tagsFor(ref);
    return tags instanceof Error || verdicts.size === 0 ? tags : tags.map((t): TagInfo => (verdicts.has(t.tag) ? { ...t, signature: verdicts.get(t.tag) } : t));
  };
  for (let checks = 0; checks < MAX_SIGNATURE_CHECKS; checks++) {
    const decided = decideSlot(signed, withVerdicts, now, explain);
    if (decided === undefined || isProblem(decided)) return decided;
    let verdict: SignatureVerdict;
    try {
      verdict = await signatures.check(tagSourceRef(slot), decided.tag, name);
    } catch (error) {
      return { code: errorCode(error) === 'internal' ? 'signature-check-failed' : errorCode(error), subject, ...where, message: `${decided.change.repository}:${decided.tag}: signature check failed: ${(error as Error).message}` };
    }
    if (verdict.status === 'valid') return decided;
    verdicts.set(decided.tag, verdict);
    rejected.push({ subject, repository: decided.change.repository, tag: decided.tag, reason: verdict.status, detail: `${name}: ${verdict.detail ?? verdict.status}` });
  }
  return { code: 'signature-missing', subject, ...where, message: `${slot.image}: the ${MAX_SIGNATURE_CHECKS} best candidates under ${slot.policy.source} have no valid signature (${name}); kept as it is` };
}
