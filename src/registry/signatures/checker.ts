import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { repositoryName, type ImageRef } from '../../image/index.ts';
import { TagpilotError } from '../../problems/index.ts';
import { DiskCache } from '../cache.ts';
import type { RegistryObserver } from '../observer.ts';
import type { SignaturePolicy, SignatureSource, SignatureVerdict } from './types.ts';

/** What the checker asks of the registry client. */
export interface SignatureRegistry {
  resolveDigest(ref: ImageRef, tag: string): Promise<string | undefined>;
  manifest(ref: ImageRef, reference: string): Promise<{ body: Buffer; contentType?: string } | undefined>;
  blob(ref: ImageRef, digest: string, maxBytes: number): Promise<Buffer>;
}

export interface SignatureCheckerOptions {
  registry: SignatureRegistry;
  policies: readonly SignaturePolicy[];
  /** Passed checks are kept under `<cacheDir>/registry/signatures`, the public Sigstore root under `<cacheDir>/sigstore-tuf`. */
  cacheDir?: string;
  /** A failed or missing signature is asked about again after this long (CI often signs just after pushing). */
  negativeTtlMs?: number;
  now?: () => number;
  /** Told every check's outcome (the controller's metrics). */
  observer?: Pick<RegistryObserver, 'signatureChecked'>;
}

/** A check that could not be made (unknown policy, registry down): a problem for the slot, not a verdict. */
export class SignatureCheckError extends TagpilotError {
  override name = 'SignatureCheckError';
}

/**
 * Checks a tag's cosign signatures under a named policy. A passed check is kept per digest on disk
 * (an image and its trust material never change under one digest and policy fingerprint); a failed
 * one in memory for a few minutes only, so a signature pushed later is seen.
 */
export class SignatureChecker {
  private readonly options: SignatureCheckerOptions;
  private readonly policies: Map<string, { policy: SignaturePolicy; id: string }>;
  private readonly disk: DiskCache | undefined;
  private readonly recent = new Map<string, { at: number; verdict: Promise<SignatureVerdict> }>();
  private publicRoot: Promise<unknown> | undefined;

  constructor(options: SignatureCheckerOptions) {
    this.options = options;
    this.policies = new Map(options.policies.map((policy) => [policy.name, { policy, id: fingerprint(policy) }]));
    this.disk = options.cacheDir === undefined ? undefined : new DiskCache(options.cacheDir);
  }

  has(name: string): boolean {
    return this.policies.has(name);
  }

  async check(ref: ImageRef, tag: string, policyName: string): Promise<SignatureVerdict> {
    const observer = this.options.observer;
    // Only the config's policy names: a name an annotation made up is not a label of its own.
    const policy = this.policies.has(policyName) ? policyName : 'unknown';
    try {
      const verdict = await this.verdict(ref, tag, policyName);
      observer?.signatureChecked?.(policy, verdict.status);
      return verdict;
    } catch (error) {
      observer?.signatureChecked?.(policy, 'error');
      throw error;
    }
  }

  private async verdict(ref: ImageRef, tag: string, policyName: string): Promise<SignatureVerdict> {
    const entry = this.policies.get(policyName);
    if (entry === undefined) throw new SignatureCheckError('signature-policy-unknown', `signature policy "${policyName}" is not in the config (signatures.policies)`, { data: { policy: policyName } });
    const digest = await this.options.registry.resolveDigest(ref, tag);
    if (digest === undefined) return { status: 'unsigned', detail: `tag ${tag} is gone` };
    if (await this.disk?.signatureValid(entry.id, digest)) return { status: 'valid', detail: 'verified before (cached)' };
    const key = `${entry.id}\0${digest}`;
    const now = (this.options.now ?? Date.now)();
    const recent = this.recent.get(key);
    if (recent !== undefined && now - recent.at < (this.options.negativeTtlMs ?? 5 * 60_000)) return recent.verdict;
    // A pass is written to disk before it is answered, so the next process finds it.
    const verdict = this.verify(ref, digest, entry.policy).then(async (v) => {
      if (v.status === 'valid') await this.disk?.saveSignatureValid(entry.id, digest);
      return v;
    });
    this.recent.set(key, { at: now, verdict });
    verdict.catch(() => this.recent.delete(key)); // a check that could not be made is not remembered
    return verdict;
  }

  private async verify(ref: ImageRef, digest: string, policy: SignaturePolicy): Promise<SignatureVerdict> {
    // Sigstore's libraries load only when a signature policy is first used.
    const [{ readSignatures }, { verifySignatures }] = await Promise.all([import('./cosign.ts'), import('./verify.ts')]);
    const source: SignatureSource = {
      manifest: (reference) => this.options.registry.manifest(ref, reference),
      blob: (digest, maxBytes) => this.options.registry.blob(ref, digest, maxBytes),
    };
    let signatures;
    try {
      signatures = await readSignatures(source, digest);
    } catch (error) {
      throw new SignatureCheckError('signature-check-failed', `${repositoryName(ref)}@${digest}: cannot read signatures: ${(error as Error).message}`);
    }
    const trustedRoot = policy.kind === 'keyless' ? await this.trustedRoot(policy) : undefined;
    return verifySignatures(digest, signatures, policy, trustedRoot);
  }

  private async trustedRoot(policy: Extract<SignaturePolicy, { kind: 'keyless' }>): Promise<unknown> {
    if (policy.trustedRoot !== undefined) return JSON.parse(policy.trustedRoot) as unknown;
    this.publicRoot ??= (async () => {
      const { getTrustedRoot } = await import('@sigstore/tuf');
      return getTrustedRoot({ cachePath: this.options.cacheDir === undefined ? undefined : join(this.options.cacheDir, 'sigstore-tuf') });
    })();
    this.publicRoot.catch(() => (this.publicRoot = undefined));
    return this.publicRoot;
  }
}

/** Changes whenever the key, identity, issuer or trusted root does: old verdicts then no longer count. */
function fingerprint(policy: SignaturePolicy): string {
  return createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 24);
}
