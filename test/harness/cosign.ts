import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';

/** cosign's simple-signing payload for an image digest. */
export function simpleSigning(repository: string, digest: string): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': repository }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
}

export interface SignatureLayer {
  payload: Buffer;
  annotations: Record<string, string>;
}

/** A cosign key pair (`cosign generate-key-pair` makes ECDSA P-256 too). */
export function cosignKey(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** What `cosign sign --key` stores for one image: the payload and its signature annotation. */
export function keySignature(privateKey: KeyObject, repository: string, digest: string): SignatureLayer {
  const payload = simpleSigning(repository, digest);
  return { payload, annotations: { 'dev.cosignproject.cosign/signature': sign('sha256', payload, privateKey).toString('base64') } };
}

/**
 * A Fulcio-like CA and a Rekor-like log, made for the test: keyless signatures with a short-lived
 * certificate naming an identity and an OIDC issuer, an entry with a signed entry timestamp, and a
 * Sigstore `trusted_root.json` that trusts exactly these.
 */
export class TestSigstore {
  private readonly dir = mkdtempSync(join(tmpdir(), 'tagpilot-sigstore-'));
  private readonly caKey: string;
  private readonly caCert: string;
  private readonly log = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  private logIndex = 0;

  constructor() {
    this.caKey = join(this.dir, 'ca.key');
    this.caCert = join(this.dir, 'ca.pem');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', this.caKey, '-out', this.caCert, '-days', '30', '-subj', '/O=tagpilot-test/CN=test-fulcio', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }

  /** The trusted root for this CA and log (no CT logs, no TSA). */
  trustedRoot(): string {
    const logDer = this.log.publicKey.export({ type: 'spki', format: 'der' });
    const ca = new X509Certificate(readFileSync(this.caCert, 'utf8'));
    return JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [{ baseUrl: 'https://rekor.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: logDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } }, logId: { keyId: createHash('sha256').update(logDer).digest('base64') } }],
      certificateAuthorities: [{ subject: { organization: 'tagpilot-test', commonName: 'test-fulcio' }, uri: 'https://fulcio.test', certChain: { certificates: [{ rawBytes: ca.raw.toString('base64') }] }, validFor: { start: '2020-01-01T00:00:00Z' } }],
      ctlogs: [],
      timestampAuthorities: [],
    });
  }

  /** What `cosign sign` (keyless) stores: signature, certificate, chain and Rekor bundle annotations. */
  sign(repository: string, digest: string, identity: { san: string; issuer: string }, tamper: { set?: boolean } = {}): SignatureLayer {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificate = this.certificate(publicKey, identity);
    const payload = simpleSigning(repository, digest);
    const signature = sign('sha256', payload, privateKey).toString('base64');
    const body = canonical({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } }, signature: { content: signature, publicKey: { content: Buffer.from(certificate).toString('base64') } } } });
    const entry = {
      body: Buffer.from(body).toString('base64'),
      integratedTime: Math.floor(Date.now() / 1000),
      logIndex: this.logIndex++,
      logID: createHash('sha256')
        .update(this.log.publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
    };
    const set = sign('sha256', Buffer.from(canonical({ ...entry, integratedTime: entry.integratedTime + (tamper.set ? 1 : 0) })), this.log.privateKey).toString('base64');
    return {
      payload,
      annotations: {
        'dev.cosignproject.cosign/signature': signature,
        'dev.sigstore.cosign/certificate': certificate,
        'dev.sigstore.cosign/chain': readFileSync(this.caCert, 'utf8'),
        'dev.sigstore.cosign/bundle': JSON.stringify({ SignedEntryTimestamp: set, Payload: entry }),
      },
    };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A leaf like Fulcio's: the identity as a SAN, the issuer in extension 1.3.6.1.4.1.57264.1.8, code signing. */
  private certificate(publicKey: KeyObject, identity: { san: string; issuer: string }): string {
    const name = `leaf-${this.logIndex}`;
    const pub = join(this.dir, `${name}.pub`);
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    const ext = join(this.dir, `${name}.ext`);
    const san = identity.san.includes('@') && !identity.san.includes('://') ? `email:${identity.san}` : `URI:${identity.san}`;
    writeFileSync(ext, `basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectAltName=critical,${san}\n1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${identity.issuer}\n`);
    const out = join(this.dir, `${name}.pem`);
    // openssl x509 -force_pubkey signs a certificate for a key it does not hold, as Fulcio does for a CSR.
    openssl(['x509', '-new', '-force_pubkey', pub, '-subj', '/', '-CA', this.caCert, '-CAkey', this.caKey, '-days', '1', '-extfile', ext, '-out', out]);
    return readFileSync(out, 'utf8');
  }
}

/** JSON with keys sorted at every level, as Rekor canonicalises. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Pushes a signature manifest as cosign lays it out: tag `sha256-<hex>.sig`, one simple-signing layer per signature. */
export async function pushSignatures(registryUrl: string, repository: string, digest: string, layers: readonly SignatureLayer[], headers: Record<string, string> = {}): Promise<void> {
  const put = async (path: string, body: Buffer, type: string, method = 'PUT') => {
    const response = await fetch(new URL(path, registryUrl), { method, headers: { ...headers, 'content-type': type }, body });
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${await response.text()}`);
    return response;
  };
  const blob = async (bytes: Buffer) => {
    const sha = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const start = await fetch(new URL(`/v2/${repository}/blobs/uploads/`, registryUrl), { method: 'POST', headers });
    const location = new URL(start.headers.get('location') ?? '', registryUrl);
    await start.arrayBuffer();
    location.searchParams.set('digest', sha);
    await (await put(location.toString(), bytes, 'application/octet-stream')).arrayBuffer();
    return { digest: sha, size: bytes.length };
  };
  const config = Buffer.from(JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: [{ created: '0001-01-01T00:00:00Z' }], os: '', rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
  const configBlob = await blob(config);
  const manifestLayers = [];
  for (const layer of layers) manifestLayers.push({ mediaType: SIMPLE_SIGNING, ...(await blob(layer.payload)), annotations: layer.annotations });
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob }, layers: manifestLayers };
  const tag = `${digest.replace(':', '-')}.sig`;
  await (await put(`/v2/${repository}/manifests/${tag}`, Buffer.from(JSON.stringify(manifest)), manifest.mediaType)).arrayBuffer();
}
