/**
 * cosign's registry layout: the signatures of image `sha256:<hex>` are the layers of the manifest
 * tagged `sha256-<hex>.sig` in the same repository; each layer is a simple-signing payload with the
 * signature (and, keyless, the certificate, chain and Rekor bundle) in its annotations.
 */
import { isValidDigest } from '../../image/index.ts';
import { TransportError } from '../errors.ts';
import type { CosignSignature, SignatureSource } from './types.ts';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const ANNOTATION = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
} as const;
/** Bounds: a signature manifest is small; anything past these is refused, not read. */
const MAX_SIGNATURES = 16;
const MAX_PAYLOAD = 64 * 1024;
const MAX_ANNOTATION = 64 * 1024;
const SIG_MANIFEST_LIMIT = 512 * 1024;

/** The tag cosign stores an image's signatures under. */
export function signatureTag(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `${algorithm}-${hex}.sig`;
}

/** The image's cosign signatures; an empty list when it has none. */
export async function readSignatures(source: SignatureSource, digest: string): Promise<CosignSignature[]> {
  const found = await source.manifest(signatureTag(digest));
  if (found === undefined) return [];
  const layers = readLayers(found.body);
  const signatures: CosignSignature[] = [];
  for (const layer of layers.slice(0, MAX_SIGNATURES)) {
    const payload = await source.blob(layer.digest, MAX_PAYLOAD);
    signatures.push({ payload, ...layer.annotations });
  }
  return signatures;
}

interface Layer {
  digest: string;
  annotations: Omit<CosignSignature, 'payload'>;
}

function readLayers(body: Buffer): Layer[] {
  if (body.length > SIG_MANIFEST_LIMIT) throw new TransportError('signature manifest too large', false);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new TransportError('signature manifest is not JSON', false);
  }
  const layers = (json as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers)) throw new TransportError('signature manifest has no layers', false);
  return layers.flatMap((layer: unknown): Layer[] => {
    const { mediaType, digest, annotations } = (layer ?? {}) as { mediaType?: unknown; digest?: unknown; annotations?: unknown };
    if (mediaType !== SIMPLE_SIGNING || typeof digest !== 'string' || !isValidDigest(digest)) return [];
    const notes = (typeof annotations === 'object' && annotations !== null ? annotations : {}) as Record<string, unknown>;
    const text = (key: string) => (typeof notes[key] === 'string' && (notes[key] as string).length <= MAX_ANNOTATION ? (notes[key] as string) : undefined);
    const signature = text(ANNOTATION.signature);
    if (signature === undefined) return [];
    const bundle = text(ANNOTATION.bundle);
    return [{ digest, annotations: { signature: Buffer.from(signature, 'base64'), certificate: text(ANNOTATION.certificate), chain: text(ANNOTATION.chain), rekorBundle: bundle === undefined ? undefined : parseOrUndefined(bundle) } }];
  });
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
