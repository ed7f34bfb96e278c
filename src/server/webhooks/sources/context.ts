import type { Hint, WebhookRequest } from '../types.ts';

/** What a source reads besides the payload. */
export interface SourceContext {
  headers: WebhookRequest['headers'];
  /** The receiver's `registry`: overrides the host a payload names. */
  registry?: string;
}

/** Reads one sender's JSON payload into hints; throws PayloadError when it is not that sender's JSON. */
export type Source = (payload: unknown, context: SourceContext) => Hint[];

/** The event a sender names in a header (`X-GitHub-Event: push`), lower-case. */
export function eventHeader(context: SourceContext, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = context.headers[name];
    if (typeof value === 'string') return value.trim().toLowerCase();
  }
  return undefined;
}

export function defined<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((item): item is T => item !== undefined);
}
