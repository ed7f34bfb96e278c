import type { SlotKind } from '../manifests/index.ts';

/** Where a slot is and what it names: shared by a change and a slot's state. */
export interface SlotPlace {
  file: string;
  line: number;
  kind: SlotKind;
  workload?: string;
  container?: string;
  /** The repository as written in the file, without tag or digest. */
  repository: string;
}

/** One slot, old value → new value, and the policy that decided it. */
export interface Change extends SlotPlace {
  from: string;
  to: string;
  policy: string;
}

export type { Notice, Problem } from '../problems/index.ts';

/** A candidate a signature policy refused: the next best tag was tried instead. */
export interface SignatureRejection {
  /** `file:line workload` of the slot. */
  subject: string;
  /** The repository as written in the file. */
  repository: string;
  tag: string;
  reason: 'unsigned' | 'bad-signature';
  /** The signature policy, and what the check found. */
  detail?: string;
}
