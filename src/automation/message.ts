import { formatUpdateTrailer, oneLine } from './trailers.ts';
import type { Change } from './types.ts';

/** The configurable parts of the bot's commit message; trailers are always appended. */
export interface MessageTemplate {
  subject: string;
  change: string;
  footer?: string;
}

/** `subject`: one read from the repository (a Flux ImageUpdateAutomation's template), used unless the config sets its own. */
export type MessageFormat = (changes: readonly Change[], subject?: string) => string;

export const DEFAULT_TEMPLATE: MessageTemplate = {
  subject: 'tagpilot: {summary}',
  change: '- {file}:{line} {target}: {image} {from} → {to} ({policy})',
};

const SUBJECT_FIELDS = ['summary', 'count', 'workloads'] as const;
const CHANGE_FIELDS = ['file', 'line', 'target', 'workload', 'container', 'image', 'from', 'to', 'policy', 'kind'] as const;

/**
 * Compiles a template: `{name}` is a placeholder, `{{` and `}}` are literal braces. An unknown
 * placeholder is an error here, at startup, not a surprise in the first commit.
 */
export function messageTemplate(template: MessageTemplate = DEFAULT_TEMPLATE): MessageFormat {
  const subject = compile(template.subject, SUBJECT_FIELDS, 'subject');
  const change = compile(template.change, CHANGE_FIELDS, 'change');
  const footer = template.footer?.trim();
  const ownSubject = template.subject !== DEFAULT_TEMPLATE.subject;
  return (changes, repoSubject) => {
    const lines = changes.map((c) => oneLine(change(changeFields(c))));
    const first = repoSubject !== undefined && !ownSubject ? repoSubject : subject(subjectFields(changes));
    const paragraphs = [oneLine(first), lines.join('\n')];
    if (footer !== undefined && footer !== '') paragraphs.push(footer);
    // Trailers last, in their own paragraph, where `git interpret-trailers` looks for them.
    paragraphs.push(changes.map(formatUpdateTrailer).join('\n'));
    return `${paragraphs.join('\n\n')}\n`;
  };
}

/** The default message: a subject, one line per change, one trailer per change. */
export const commitMessage: MessageFormat = messageTemplate();

function subjectFields(changes: readonly Change[]): Record<(typeof SUBJECT_FIELDS)[number], string> {
  const workloads = new Set(changes.map((c) => c.workload ?? c.file));
  const only = changes[0];
  const summary = changes.length === 1 && only !== undefined ? `${only.workload ?? only.file} ${only.container ?? only.repository} ${only.from} → ${only.to}` : `update ${changes.length} images in ${workloads.size} ${workloads.size === 1 ? 'workload' : 'workloads'}`;
  return { summary, count: String(changes.length), workloads: String(workloads.size) };
}

function changeFields(c: Change): Record<(typeof CHANGE_FIELDS)[number], string> {
  const target = c.workload === undefined ? c.kind : c.container === undefined ? c.workload : `${c.workload} container ${c.container}`;
  return { file: c.file, line: String(c.line), target, workload: c.workload ?? '-', container: c.container ?? '-', image: c.repository, from: c.from, to: c.to, policy: c.policy, kind: c.kind };
}

type Render<K extends string> = (values: Record<K, string>) => string;

function compile<K extends string>(text: string, fields: readonly K[], what: string): Render<K> {
  const parts: (string | { field: K })[] = [];
  const re = /\{\{|\}\}|\{([a-z]+)\}|[{}]/g;
  let last = 0;
  for (const match of text.matchAll(re)) {
    parts.push(text.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[0] === '{{' || match[0] === '}}') {
      parts.push(match[0][0]!);
      continue;
    }
    const field = fields.find((f) => f === match[1]);
    if (field === undefined) throw new Error(`${what}: unknown placeholder ${match[0]}; known: ${fields.map((f) => `{${f}}`).join(' ')}`);
    parts.push({ field });
  }
  parts.push(text.slice(last));
  return (values) => parts.map((p) => (typeof p === 'string' ? p : values[p.field])).join('');
}
