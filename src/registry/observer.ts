/**
 * What the registry client tells as it works, for metrics and the status page. Hosts are the ones
 * requests go to (`registry-1.docker.io` for Docker Hub); every method is optional.
 */
export interface RegistryObserver {
  /** One HTTP exchange ended: its status, or `error` when no answer came (refused, reset, timed out). */
  request?(host: string, kind: string, status: number | 'error'): void;
  /** A request waited for its host: the registry's Retry-After, or the host's own requestsPerSecond budget. */
  waited?(host: string, ms: number, reason: 'retry-after' | 'budget'): void;
  /** The registry asked to wait (429 or 503 with Retry-After): every request to it holds until then (epoch ms). */
  rateLimited?(host: string, until: number): void;
  /** A tag list was asked for: fetched from the registry, served from the cache, or shared with a listing in flight. */
  listed?(host: string, source: 'network' | 'cache' | 'shared'): void;
  /** A candidate's signatures were checked under a policy (docs/signatures.md): its verdict, or `error` when no verdict could be made. */
  signatureChecked?(policy: string, result: SignatureResult): void;
}

/** A signature check's outcome: a verdict, or `error` (the registry down, a malformed signature manifest, an unknown policy). */
export type SignatureResult = 'valid' | 'unsigned' | 'bad-signature' | 'error';

/** Tells each observer in turn (the controller's state and its metrics). */
export function allObservers(...observers: readonly RegistryObserver[]): RegistryObserver {
  return {
    request: (...args) => {
      for (const o of observers) o.request?.(...args);
    },
    waited: (...args) => {
      for (const o of observers) o.waited?.(...args);
    },
    rateLimited: (...args) => {
      for (const o of observers) o.rateLimited?.(...args);
    },
    listed: (...args) => {
      for (const o of observers) o.listed?.(...args);
    },
    signatureChecked: (...args) => {
      for (const o of observers) o.signatureChecked?.(...args);
    },
  };
}
