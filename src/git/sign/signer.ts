/** Signs the bytes of a commit object; returns the armored signature git stores in `gpgsig`. */
export interface CommitSigner {
  /** git's `gpg.format` for this kind of signature. */
  readonly format: 'ssh' | 'openpgp';
  sign(payload: Buffer): Promise<string>;
}
