import type { SignatureVerdict } from '../../policy/index.ts';

/** A signature policy from the config, with its files read. */
export type SignaturePolicy =
  | { name: string; kind: 'key' /** PEM public key (cosign.pub). */; publicKey: string }
  | {
      name: string;
      kind: 'keyless';
      /** The OIDC issuer in the signing certificate (Fulcio's issuer extension). */
      issuer: string;
      /** The certificate's subject (email or URI SAN), exactly, or as a regular expression. */
      identity?: string;
      identityRegexp?: string;
      /** Sigstore `trusted_root.json` contents; without it, the public-good instance's, through TUF. */
      trustedRoot?: string;
    };

/** One cosign signature as the registry stores it: a layer of the `sha256-<hex>.sig` manifest. */
export interface CosignSignature {
  /** The simple-signing payload, exactly as signed. */
  payload: Buffer;
  /** `dev.cosignproject.cosign/signature`, decoded. */
  signature: Buffer;
  /** `dev.sigstore.cosign/certificate` and `…/chain` (PEM), for keyless signatures. */
  certificate?: string;
  chain?: string;
  /** `dev.sigstore.cosign/bundle`: Rekor's signed entry timestamp and entry. */
  rekorBundle?: unknown;
}

/** What the signature module needs from the registry client. */
export interface SignatureSource {
  manifest(reference: string): Promise<{ body: Buffer; contentType?: string } | undefined>;
  blob(digest: string, maxBytes: number): Promise<Buffer>;
}

export type { SignatureVerdict };
