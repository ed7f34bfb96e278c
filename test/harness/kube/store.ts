import { randomUUID } from 'node:crypto';
import type { Resource } from './resources.ts';
import type { KubeObject } from './validate.ts';

/**
 * The objects, as etcd holds them for the API server: one resourceVersion counter for everything,
 * and every write stamps the object with the next one.
 */
export class Store {
  private version = 100;
  private readonly objects = new Map<string, KubeObject>();

  get resourceVersion(): number {
    return this.version;
  }

  get(resource: Resource, namespace: string, name: string): KubeObject | undefined {
    const o = this.objects.get(key(resource, namespace, name));
    return o === undefined ? undefined : structuredClone(o);
  }

  list(resource: Resource, namespace: string): KubeObject[] {
    const prefix = key(resource, namespace, '');
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, o]) => structuredClone(o));
  }

  /** Writes an object (create or replace), stamping metadata as the API server does. */
  put(resource: Resource, object: KubeObject): KubeObject {
    const namespace = object.metadata.namespace!;
    const k = key(resource, namespace, object.metadata.name);
    const before = this.objects.get(k);
    this.version += 1;
    const stored: KubeObject = structuredClone(object);
    stored.metadata = {
      ...stored.metadata,
      uid: before?.metadata.uid ?? stored.metadata.uid ?? randomUUID(),
      creationTimestamp: before?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      resourceVersion: String(this.version),
    };
    this.objects.set(k, stored);
    return structuredClone(stored);
  }

  delete(resource: Resource, namespace: string, name: string): KubeObject | undefined {
    const k = key(resource, namespace, name);
    const before = this.objects.get(k);
    if (before === undefined) return undefined;
    this.objects.delete(k);
    this.version += 1;
    return before;
  }
}

function key(resource: Resource, namespace: string, name: string): string {
  return `${resource.group}/${resource.plural}/${namespace}/${name}`;
}
