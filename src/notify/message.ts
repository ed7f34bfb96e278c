import { createHmac } from 'node:crypto';

/** What a notification is about (docs/notifications.md). */
export type NotifyKind = 'updated' | 'verified' | 'failed' | 'reverted' | 'held-back';
export const NOTIFY_KINDS: readonly NotifyKind[] = ['updated', 'verified', 'failed', 'reverted', 'held-back'];

export interface NotifyEvent {
  kind: NotifyKind;
  automation: string;
  /** `namespace:kind/name`, or the file when the slot has no workload. */
  workload: string;
  /** The image's repository and the tag this is about (the new tag; for held-back, the one held; for reverted, the one restored, `from` the one that failed). */
  repository: string;
  tag: string;
  from?: string;
  commit?: string;
  /** failed, reverted: the Pod's or workload's reason (ImagePullBackOff, …); held-back: the problem code. */
  reason?: string;
  detail: string;
}

export type Channel = 'slack' | 'teams' | 'webhook';

export const DEFAULT_TEMPLATES: Readonly<Record<NotifyKind, string>> = {
  updated: '{{workload}}: {{repository}} {{from}} → {{tag}} in commit {{commit}} ({{automation}})',
  verified: '{{workload}}: {{repository}}:{{tag}} is running (commit {{commit}}, {{automation}})',
  failed: '{{workload}}: {{repository}}:{{tag}} failed: {{reason}}: {{detail}} (commit {{commit}}, {{automation}})',
  reverted: '{{workload}}: {{repository}}:{{from}} failed ({{reason}}); reverted to {{tag}} in commit {{commit}} ({{automation}})',
  'held-back': '{{workload}}: held back: {{reason}}: {{detail}} ({{automation}})',
};

const FIELDS = new Set(['kind', 'automation', 'workload', 'repository', 'tag', 'from', 'commit', 'reason', 'detail']);
const MAX_TEXT = 3000;

/** `{{field}}` replaced by the event's field (commit shortened to 12); an unknown field is kept as written, so a typo shows. */
export function render(template: string, event: NotifyEvent): string {
  const text = template.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, name: string) => {
    if (!FIELDS.has(name)) return whole;
    const value = event[name as keyof NotifyEvent];
    if (value === undefined) return '';
    return name === 'commit' ? String(value).slice(0, 12) : String(value);
  });
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** The request body for a channel: Slack's `{ text }`, a Teams workflow's Adaptive Card message, or the JSON event with its text. */
export function payload(channel: Channel, event: NotifyEvent, text: string, now: number): unknown {
  if (channel === 'slack') return { text };
  if (channel === 'teams') {
    return {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text, wrap: true }] },
        },
      ],
    };
  }
  return { ...event, text, timestamp: new Date(now).toISOString() };
}

/** The generic webhook's signature header value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * One message per tag and outcome: the key a repeat shares. A held-back message's detail changes
 * as time passes ("2h old", then "3h old"), so durations are left out of its key.
 */
export function dedupeKey(route: string, event: NotifyEvent): string {
  const detail = event.kind === 'held-back' ? event.detail.replace(/\b\d+(?:\.\d+)?(?:ms|s|m|h|d|w)\b/g, '#') : '';
  return JSON.stringify([route, event.kind, event.workload, event.repository, event.tag, event.reason ?? '', detail]);
}
