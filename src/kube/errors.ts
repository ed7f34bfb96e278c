import { TagpilotError } from '../problems/index.ts';

/** Why a Kubernetes API request failed, by the status the API server answered (docs/kubernetes.md#errors). */
export type KubeCode = 'kube-unauthorized' | 'kube-forbidden' | 'kube-not-found' | 'kube-conflict' | 'kube-invalid' | 'kube-unavailable' | 'kube-unreachable' | 'secret-key-missing';

const BY_STATUS: Record<number, KubeCode> = { 401: 'kube-unauthorized', 403: 'kube-forbidden', 404: 'kube-not-found', 409: 'kube-conflict', 422: 'kube-invalid' };

/** A failed Kubernetes API request: the verb and object, and the API server's own words (a Status message holds no secret value). */
export class KubeError extends TagpilotError {
  override name = 'KubeError';
  declare readonly code: KubeCode;
  readonly status: number | undefined;

  constructor(code: KubeCode, message: string, status: number | undefined, options?: ErrorOptions) {
    super(code, message, { ...options, data: { status } });
    this.status = status;
  }
}

/**
 * Turns what @kubernetes/client-node throws (an ApiException with the Status body as text, or a
 * network error) into a KubeError naming `what`; the original is not kept as the cause, since
 * its headers and request options may carry the bearer token.
 */
export function kubeError(error: unknown, what: string): KubeError {
  if (error instanceof KubeError) return error;
  const e = error as { name?: string; code?: unknown; body?: unknown; message?: string; cause?: { code?: string } };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return new KubeError('kube-unreachable', `${what}: the Kubernetes API did not answer in time`, undefined);
  // An HTTP status (client-node's ApiException); a DOMException's numeric code is no status.
  if (typeof e.code === 'number' && e.code >= 100 && e.code <= 599) {
    const code = BY_STATUS[e.code] ?? 'kube-unavailable';
    return new KubeError(code, `${what}: ${e.code} ${statusMessage(e.body)}`.trimEnd(), e.code);
  }
  const reason = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined) ?? 'network error';
  return new KubeError('kube-unreachable', `${what}: cannot reach the Kubernetes API: ${reason}`, undefined);
}

function statusMessage(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  try {
    const status = JSON.parse(text) as { message?: unknown };
    return typeof status.message === 'string' ? status.message.slice(0, 500) : '';
  } catch {
    return '';
  }
}

export const isKubeCode = (error: unknown, code: KubeCode): boolean => error instanceof KubeError && error.code === code;
