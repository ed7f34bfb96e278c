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
  | 'outside-range'
  | 'prerelease-excluded'
  | 'filter-mismatch'
  | 'ignored'
  | 'too-young'
  | 'missing-platform'
  | 'older-than-current'
  | 'not-newest';

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
  rejected: Rejection[];
}
