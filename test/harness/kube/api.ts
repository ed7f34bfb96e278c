import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { closeServer, listenLocal } from '../ports.ts';
import { makeCert, type TestCert } from '../token-server.ts';
import { jsonPatch, mergePatch, PATCH_TYPES } from './patch.ts';
import { Rbac, type Identity, type RbacObject } from './rbac.ts';
import { apiVersion, resourceForKind, targetOf, type Resource, type Target, type Verb } from './resources.ts';
import * as S from './status.ts';
import { Store } from './store.ts';
import { validateEvent, validateEventUpdate, validateLease, validateMetadata, type KubeObject } from './validate.ts';

export interface KubeApiOptions {
  /** Bearer token → who it authenticates. */
  tokens: Record<string, Identity>;
  /** The Role, ClusterRole and binding objects to enforce (the rendered config/), or 'allow-all' for tests that are not about RBAC. */
  rbac: readonly RbacObject[] | 'allow-all';
}

/** One request the double answered: `verb resource namespace/name` and the HTTP status. */
export interface ApiCall {
  verb: Verb;
  resource: string;
  namespace: string;
  name?: string;
  status: number;
  user: string;
}

/** What the real API server takes for each verb; any other query parameter is a bug in the caller. */
const QUERY: Record<Verb, readonly string[]> = {
  get: ['resourceVersion', 'pretty'],
  list: ['labelSelector', 'fieldSelector', 'resourceVersion', 'resourceVersionMatch', 'limit', 'continue', 'pretty'],
  create: ['fieldManager', 'fieldValidation', 'dryRun', 'pretty'],
  update: ['fieldManager', 'fieldValidation', 'dryRun', 'pretty'],
  patch: ['fieldManager', 'fieldValidation', 'dryRun', 'force', 'pretty'],
  delete: ['gracePeriodSeconds', 'propagationPolicy', 'dryRun', 'pretty'],
};
const MAX_BODY = 3 * 1024 * 1024;

/**
 * A strict double of the Kubernetes API paths tagpilot uses, over HTTPS on 127.0.0.1: bearer
 * tokens, RBAC enforced from the given objects (403 Forbidden otherwise), resourceVersion
 * concurrency (409), the wire formats of Leases and Events (MicroTime, 422 Invalid). tagpilot
 * reads everything by name (no watch: a Secret is re-read by resourceVersion before each cycle),
 * so a watch is refused like any other request it does not make. Requests the real API would not take are answered as it
 * would and recorded in `refused`, so a test can assert none happened.
 */
export class KubeApi {
  readonly store = new Store();
  readonly calls: ApiCall[] = [];
  readonly refused: string[] = [];
  /** Make the next requests matching `verb resource` fail with this status (a flaky API server), or never answer ('stall'). */
  readonly faults: { verb: Verb; resource: string; status: number | 'stall'; times: number }[] = [];
  private readonly rbac: Rbac | undefined;
  private readonly options: KubeApiOptions;
  private readonly cert: TestCert;
  private readonly server: ReturnType<typeof createServer>;
  private origin = '';

  private constructor(options: KubeApiOptions, cert: TestCert, server: ReturnType<typeof createServer>) {
    this.options = options;
    this.cert = cert;
    this.server = server;
    this.rbac = options.rbac === 'allow-all' ? undefined : new Rbac(options.rbac);
  }

  static async start(options: KubeApiOptions): Promise<KubeApi> {
    const cert = makeCert();
    const server = createServer({ cert: cert.certPem, key: cert.keyPem });
    const api = new KubeApi(options, cert, server);
    server.on('request', (req, res) => api.receive(req, res));
    const port = await listenLocal(server);
    api.origin = `https://127.0.0.1:${port}`;
    return api;
  }

  /** `https://127.0.0.1:PORT`. */
  get url(): string {
    return this.origin;
  }

  /** The CA to trust (the server's own self-signed certificate), as a PEM file path. */
  get caFile(): string {
    return this.cert.certFile;
  }

  /** Writes a kubeconfig for `token` into `dir`; returns its path. */
  kubeconfig(dir: string, token: string, namespace = 'default'): string {
    const file = join(dir, `kubeconfig-${randomBytes(4).toString('hex')}`);
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'double', cluster: { server: this.origin, 'certificate-authority': this.cert.certFile } }],
      users: [{ name: 'tagpilot', user: { token } }],
      contexts: [{ name: 'double', context: { cluster: 'double', user: 'tagpilot', namespace } }],
      'current-context': 'double',
    };
    writeFileSync(file, JSON.stringify(config));
    return file;
  }

  /** Stores an object as a cluster admin would (no auth, no RBAC): the cluster's state for a test. */
  apply(object: KubeObject): KubeObject {
    const resource = resourceForKind(object.apiVersion, object.kind);
    if (resource === undefined) throw new Error(`the double does not serve ${object.apiVersion} ${object.kind}`);
    return this.store.put(resource, { ...object, metadata: { namespace: 'default', ...object.metadata } });
  }

  read(apiVersionText: string, kind: string, namespace: string, name: string): KubeObject | undefined {
    const resource = resourceForKind(apiVersionText, kind);
    return resource === undefined ? undefined : this.store.get(resource, namespace, name);
  }

  /** Deletes an object as a cluster admin would. */
  remove(apiVersionText: string, kind: string, namespace: string, name: string): void {
    const resource = resourceForKind(apiVersionText, kind);
    if (resource !== undefined) this.store.delete(resource, namespace, name);
  }

  list(apiVersionText: string, kind: string, namespace: string): KubeObject[] {
    const resource = resourceForKind(apiVersionText, kind);
    return resource === undefined ? [] : this.store.list(resource, namespace);
  }

  async stop(): Promise<void> {
    await closeServer(this.server as unknown as import('node:http').Server);
    this.cert.cleanup();
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return sendStatus(res, S.badRequest('request entity too large').status);
      try {
        this.serve(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        if (error instanceof S.StatusError) sendStatus(res, error.status);
        else throw error;
      }
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse, text: string): void {
    const url = new URL(req.url ?? '/', this.origin);
    const who = this.authenticate(req);
    const target = targetOf(url.pathname);
    if (target === undefined) {
      this.refused.push(`${req.method} ${url.pathname}: not a path tagpilot uses`);
      throw S.pathNotFound();
    }
    const verb = verbOf(req.method ?? '', target, url.searchParams);
    if (verb === undefined || !target.resource.verbs.includes(verb)) {
      this.refused.push(`${req.method} ${url.pathname}: no such verb`);
      throw S.methodNotAllowed();
    }
    const unknown = [...url.searchParams.keys()].filter((k) => !QUERY[verb].includes(k));
    if (unknown.length > 0) {
      this.refused.push(`${verb} ${url.pathname}: query ${unknown.join(', ')} not taken`);
      throw S.badRequest(`unknown query parameter ${unknown.join(', ')}`);
    }
    const name = target.name ?? selectedName(url.searchParams, verb, this.refused);
    const record = (status: number) => this.calls.push({ verb, resource: target.resource.plural, namespace: target.namespace, name, status, user: who.user });
    try {
      if (this.rbac !== undefined && !this.rbac.allows(who, { verb, group: target.resource.group, resource: target.resource.plural, namespace: target.namespace, name })) {
        throw S.forbidden(who.user, verb, target.resource, target.namespace, name);
      }
      if (this.injectFault(verb, target.resource) === 'stall') return;
      const { status, body } = this.handle(verb, target, name, url.searchParams, req.headers['content-type'], text);
      record(status);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } catch (error) {
      if (error instanceof S.StatusError) record(error.status.code);
      throw error;
    }
  }

  private authenticate(req: IncomingMessage): Identity {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const who = match === null ? undefined : this.options.tokens[match[1]!];
    if (who === undefined) throw S.unauthorized();
    return who;
  }

  private injectFault(verb: Verb, resource: Resource): 'stall' | undefined {
    const fault = this.faults.find((f) => f.verb === verb && f.resource === resource.plural && f.times > 0);
    if (fault === undefined) return undefined;
    fault.times -= 1;
    if (fault.status === 'stall') return 'stall';
    throw new S.StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request timed out', reason: fault.status === 429 ? 'TooManyRequests' : 'InternalError', code: fault.status });
  }

  private handle(verb: Verb, target: Target, name: string | undefined, query: URLSearchParams, contentType: string | undefined, text: string): { status: number; body: unknown } {
    const { resource, namespace } = target;
    if (verb === 'list') {
      const labels = labelMatcher(query.get('labelSelector'), this.refused);
      const items = this.store.list(resource, namespace).filter((o) => (name === undefined || o.metadata.name === name) && labels(o));
      return { status: 200, body: { kind: `${resource.kind}List`, apiVersion: apiVersion(resource), metadata: { resourceVersion: String(this.store.resourceVersion) }, items } };
    }
    if (verb === 'create') return { status: 201, body: this.create(target, parseBody(text)) };
    const existing = this.store.get(resource, namespace, name!);
    if (existing === undefined) throw S.notFound(resource, name!);
    if (verb === 'get') return { status: 200, body: existing };
    if (verb === 'delete') return { status: 200, body: this.deleteObject(target, existing, text) };
    const next = verb === 'update' ? parseBody(text) : this.patched(existing, contentType, text, resource);
    return { status: 200, body: this.replace(target, existing, next as KubeObject, verb) };
  }

  private create(target: Target, body: unknown): KubeObject {
    const object = this.checkShape(target, body);
    if (object.metadata.resourceVersion !== undefined) {
      this.refused.push(`create ${target.resource.plural}: resourceVersion set on an object to be created`);
      throw S.badRequest('resourceVersion should not be set on objects to be created');
    }
    if (object.metadata.name === undefined && object.metadata.generateName !== undefined) object.metadata.name = `${object.metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    this.validate(target.resource, object);
    if (this.store.get(target.resource, target.namespace, object.metadata.name) !== undefined) throw S.alreadyExists(target.resource, object.metadata.name);
    return this.store.put(target.resource, object);
  }

  private replace(target: Target, existing: KubeObject, body: unknown, verb: Verb): KubeObject {
    const object = this.checkShape(target, body);
    const name = existing.metadata.name;
    if (object.metadata.name !== name) throw S.badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
    const sent = object.metadata.resourceVersion;
    if (sent === undefined && verb === 'update') this.refused.push(`update ${target.resource.plural} ${name}: no resourceVersion (an unconditional update; tagpilot always compares and swaps)`);
    if (sent !== undefined && sent !== existing.metadata.resourceVersion) throw S.conflict(target.resource, name);
    this.validate(target.resource, object);
    if (target.resource.kind === 'Event') {
      const causes: S.Cause[] = [];
      validateEventUpdate(existing, object, causes);
      if (causes.length > 0) throw S.invalid(target.resource, name, causes);
    }
    return this.store.put(target.resource, { ...object, metadata: { ...object.metadata, uid: existing.metadata.uid } });
  }

  private patched(existing: KubeObject, contentType: string | undefined, text: string, resource: Resource): unknown {
    const type = PATCH_TYPES[(contentType ?? '').split(';')[0]!.trim()];
    if (type === undefined) {
      this.refused.push(`patch ${resource.plural}: content type ${contentType}`);
      throw S.unsupportedMediaType(contentType ?? '(none)');
    }
    const patch = parseBody(text);
    try {
      return type === 'json' ? jsonPatch(existing, patch) : mergePatch(existing, patch);
    } catch (error) {
      throw S.invalid(resource, existing.metadata.name, [{ field: '(patch)', message: (error as Error).message }]);
    }
  }

  private deleteObject(target: Target, existing: KubeObject, text: string): KubeObject {
    const options = text === '' ? {} : (parseBody(text) as { preconditions?: { resourceVersion?: string; uid?: string } });
    const pre = options.preconditions;
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== existing.metadata.resourceVersion) throw S.conflict(target.resource, existing.metadata.name);
    if (pre?.uid !== undefined && pre.uid !== existing.metadata.uid) throw S.conflict(target.resource, existing.metadata.name);
    return this.store.delete(target.resource, target.namespace, existing.metadata.name)!;
  }

  private checkShape(target: Target, body: unknown): KubeObject {
    const o = body as KubeObject;
    if (typeof o !== 'object' || o === null || typeof o.metadata !== 'object' || o.metadata === null) throw S.badRequest("Object 'metadata' is missing");
    // Left out, they default to the URL's (as the API server decodes); given, they must match it.
    if ((o.apiVersion !== undefined && o.apiVersion !== apiVersion(target.resource)) || (o.kind !== undefined && o.kind !== target.resource.kind)) throw S.badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${apiVersion(target.resource)}) or kind (${o.kind})`);
    const ns = o.metadata.namespace;
    if (ns !== undefined && ns !== target.namespace) throw S.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    return { ...o, apiVersion: apiVersion(target.resource), kind: target.resource.kind, metadata: { ...o.metadata, namespace: target.namespace } };
  }

  private validate(resource: Resource, o: KubeObject): void {
    const causes: S.Cause[] = [];
    validateMetadata(o, causes);
    if (resource.kind === 'Lease') validateLease(o, causes);
    if (resource.kind === 'Event') validateEvent(o, causes);
    if (causes.length > 0) throw S.invalid(resource, o.metadata.name ?? '', causes);
  }
}

function verbOf(method: string, target: Target, query: URLSearchParams): Verb | undefined {
  const named = target.name !== undefined;
  if (query.has('watch')) return undefined;
  if (method === 'GET') return named ? 'get' : 'list';
  if (method === 'POST') return named ? undefined : 'create';
  if (method === 'PUT') return named ? 'update' : undefined;
  if (method === 'PATCH') return named ? 'patch' : undefined;
  if (method === 'DELETE') return named ? 'delete' : undefined;
  return undefined;
}

/** The API server reads `metadata.name=<name>` in a list's field selector as the request's name (RBAC resourceNames apply). */
function selectedName(query: URLSearchParams, verb: Verb, refused: string[]): string | undefined {
  const selector = query.get('fieldSelector');
  if (selector === null || selector === '') return undefined;
  const m = /^metadata\.name(?:=|==)([a-z0-9.-]+)$/.exec(selector);
  if (m === null) {
    refused.push(`${verb}: field selector ${selector} (tagpilot selects by metadata.name only)`);
    throw S.badRequest(`"${selector}" is not a known field selector: only "metadata.name" is served`);
  }
  return m[1];
}

/** Equality-based label selectors (`key`, `key=value`, `key!=value`, comma-joined), as tagpilot writes them. */
function labelMatcher(selector: string | null, refused: string[]): (o: KubeObject) => boolean {
  if (selector === null || selector === '') return () => true;
  const terms = selector.split(',').map((term) => {
    const m = /^([A-Za-z0-9./_-]+)(?:(!=|==|=)([A-Za-z0-9._-]*))?$/.exec(term.trim());
    if (m === null) {
      refused.push(`list: label selector ${selector}`);
      throw S.badRequest(`unable to parse requirement: ${term}`);
    }
    return { key: m[1]!, op: m[2], value: m[3] };
  });
  return (o) => {
    const labels = (o.metadata.labels ?? {}) as Record<string, string>;
    return terms.every((t) => (t.op === undefined ? t.key in labels : t.op === '!=' ? labels[t.key] !== t.value : labels[t.key] === t.value));
  };
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw S.badRequest('the body of the request is not JSON');
  }
}

function sendStatus(res: ServerResponse, status: S.Status): void {
  res.writeHead(status.code, { 'content-type': 'application/json' }).end(JSON.stringify(status));
}
