/**
 * The policy contract: everything else in tagpilot talks to src/policy through these types.
 * Pure data, no I/O.
 */

/** One tag as the registry layer knows it. Optional fields are filled only when a policy needs them. */
export interface TagInfo {
  tag: string;
  /** Build time: config blob `created`, or the `org.opencontainers.image.created` annotation. */
  created?: Date;
  /** Manifest digest (`sha256:…`) the tag points to. */
  digest?: string;
  /** Platforms the tag's image is built for, normalised: `linux/amd64`, `linux/arm64/v8`. */
  platforms?: string[];
  /** The signature check's verdict, once made (only for tags a signature policy asked about). */
  signature?: SignatureVerdict;
}

/** What verifying a tag's signatures found: `valid` under the policy, none at all, or none that verifies. */
export interface SignatureVerdict {
  status: 'valid' | 'unsigned' | 'bad-signature';
  detail?: string;
}

/** What the registry layer must fetch for a policy beyond the tag list. */
export interface PolicyNeeds {
  created: boolean;
  digests: boolean;
  platforms: boolean;
}

export type RejectReason =
  | 'invalid-tag'
  | 'not-a-version'
  | 'commit-hash'
  | 'other-variant'
  | 'other-precision'
  | 'build-number'
  | 'not-a-number'
  | 'outside-range'
  | 'prerelease-excluded'
  | 'filter-mismatch'
  | 'ignored'
  | 'too-young'
  | 'unknown-build-time'
  | 'missing-platform'
  | 'missing-digest'
  | 'unsigned'
  | 'bad-signature'
  | 'no-current-version'
  | 'older-than-current'
  | 'equal-to-current'
  | 'current-unranked'
  | 'not-newest';

/** Reasons a tag that passes the policy and its filters was still not chosen: it ranks lower, or cannot be compared with the current tag. */
export const RANKED_LOWER: ReadonlySet<RejectReason> = new Set<RejectReason>(['not-newest', 'older-than-current', 'equal-to-current', 'current-unranked']);

export interface Rejection {
  tag: string;
  reason: RejectReason;
  detail?: string;
}

/** What the slot holds now. */
export interface CurrentImage {
  tag?: string;
  digest?: string;
}

export interface Selection {
  /** The tag the policy allows; the current tag when nothing better exists; null when none. */
  selected: string | null;
  /** For `digest:` policies: the digest to pin. */
  digest?: string;
  /** True when applying the selection would change the slot. */
  changed: boolean;
  /** Every tag of the input except the selected one, in input order, with the reason. */
  rejected: Rejection[];
  /** One line saying why this is the outcome, for logs, the CLI and commit messages. */
  why?: string;
  /**
   * The current tag was kept only because it cannot be ranked (its build time is unknown): a
   * candidate exists but may be older. Callers treat this as a hold to report, not as settled.
   */
  currentUnranked?: boolean;
}

export interface SelectOptions {
  /** The clock for minimum-age filters; defaults to the time of the call. */
  now?: Date;
}
