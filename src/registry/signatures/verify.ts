/**
 * Verifies cosign signatures with Sigstore's own verifier (`@sigstore/verify`): each signature is
 * put in a Sigstore bundle (the signature over the payload, the key or certificate chain, Rekor's
 * entry) and checked against the policy's trust material. The payload must name the image's digest.
 */
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, type VerificationPolicy } from '@sigstore/verify';
import type { CosignSignature, SignaturePolicy, SignatureVerdict } from './types.ts';

const BUNDLE_V01 = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
const COSIGN_TYPE = 'cosign container image signature';
const EMPTY_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

/** Valid when any signature verifies under the policy; otherwise the first reason one did not. */
export function verifySignatures(digest: string, signatures: readonly CosignSignature[], policy: SignaturePolicy, trustedRoot: unknown): SignatureVerdict {
  if (signatures.length === 0) return { status: 'unsigned', detail: 'no cosign signature' };
  const verifier = makeVerifier(policy, trustedRoot);
  const reasons: string[] = [];
  for (const signature of signatures) {
    const reason = verifyOne(digest, signature, policy, verifier);
    if (reason === undefined) return { status: 'valid', detail: `${signatures.length} signature(s), one verified` };
    reasons.push(reason);
  }
  return { status: 'bad-signature', detail: `${signatures.length} signature(s), none verified: ${reasons[0]}` };
}

function verifyOne(digest: string, signature: CosignSignature, policy: SignaturePolicy, verifier: Verifier): string | undefined {
  const claim = payloadClaim(signature.payload, digest);
  if (claim !== undefined) return claim;
  try {
    const bundle = bundleFromJSON(toBundleJson(signature, policy));
    verifier.verify(toSignedEntity(bundle, signature.payload), identityPolicy(policy));
    return undefined;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return `${typeof code === 'string' ? `${code}: ` : ''}${typeof message === 'string' ? message.slice(0, 200) : 'verification failed'}`;
  }
}

/** The simple-signing payload must be cosign's and name this image: a signature of another image proves nothing. */
function payloadClaim(payload: Buffer, digest: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return 'payload is not JSON';
  }
  const critical = (json as { critical?: { type?: unknown; image?: { 'docker-manifest-digest'?: unknown } } } | null)?.critical;
  if (critical?.type !== COSIGN_TYPE) return `payload type is not "${COSIGN_TYPE}"`;
  if (critical.image?.['docker-manifest-digest'] !== digest) return `payload signs ${String(critical.image?.['docker-manifest-digest']).slice(0, 80)}, not ${digest}`;
  return undefined;
}

function makeVerifier(policy: SignaturePolicy, trustedRoot: unknown): Verifier {
  if (policy.kind === 'key') {
    const key = createPublicKey(policy.publicKey);
    // The key is the trust: no log entry or timestamp is required (as `cosign verify --key … --insecure-ignore-tlog`).
    const material = toTrustMaterial(TrustedRoot.fromJSON(EMPTY_ROOT), () => ({ publicKey: key, validFor: () => true }));
    return new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  }
  const root = TrustedRoot.fromJSON(trustedRoot);
  // A certificate lives minutes: the log's signed entry timestamp proves it was valid when used.
  // SCTs are required when the trusted root lists certificate transparency logs.
  return new Verifier(toTrustMaterial(root), { tlogThreshold: 1, timestampThreshold: 1, ctlogThreshold: root.ctlogs.length > 0 ? 1 : 0 });
}

function identityPolicy(policy: SignaturePolicy): VerificationPolicy | undefined {
  if (policy.kind === 'key') return undefined;
  const subjectAlternativeName = policy.identity ?? (policy.identityRegexp === undefined ? undefined : new RegExp(policy.identityRegexp));
  return { subjectAlternativeName, extensions: { issuer: policy.issuer } };
}

function toBundleJson(signature: CosignSignature, policy: SignaturePolicy): unknown {
  const messageSignature = { messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(signature.payload).digest('base64') }, signature: signature.signature.toString('base64') };
  if (policy.kind === 'key') return { mediaType: BUNDLE_V01, verificationMaterial: { publicKey: { hint: policy.name }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } }, messageSignature };
  if (signature.certificate === undefined) throw Object.assign(new Error('no certificate: a key-based signature under a keyless policy'), { code: 'CERTIFICATE_ERROR' });
  const certificates = [signature.certificate, ...pemBlocks(signature.chain ?? '')].map((pem) => ({ rawBytes: new X509Certificate(pem).raw.toString('base64') }));
  const tlogEntries = signature.rekorBundle === undefined ? [] : [rekorEntry(signature.rekorBundle)];
  return { mediaType: BUNDLE_V01, verificationMaterial: { x509CertificateChain: { certificates }, tlogEntries, timestampVerificationData: { rfc3161Timestamps: [] } }, messageSignature };
}

/** cosign's Rekor bundle annotation → a Sigstore transparency log entry with its inclusion promise. */
function rekorEntry(bundle: unknown): unknown {
  const { SignedEntryTimestamp: set, Payload: payload } = (bundle ?? {}) as { SignedEntryTimestamp?: unknown; Payload?: { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown } };
  if (typeof set !== 'string' || typeof payload?.body !== 'string' || typeof payload.logID !== 'string') throw Object.assign(new Error('Rekor bundle is incomplete'), { code: 'TLOG_ERROR' });
  const body = JSON.parse(Buffer.from(payload.body, 'base64').toString('utf8')) as { kind?: unknown; apiVersion?: unknown };
  return {
    logIndex: String(payload.logIndex),
    logId: { keyId: Buffer.from(payload.logID, 'hex').toString('base64') },
    kindVersion: { kind: String(body.kind), version: String(body.apiVersion) },
    integratedTime: String(payload.integratedTime),
    inclusionPromise: { signedEntryTimestamp: set },
    canonicalizedBody: payload.body,
  };
}

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
