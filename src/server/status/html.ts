/**
 * HTML built from tagged templates that escape every interpolated value unless it is already
 * Html: markup is written only in this folder's templates, and text from Git or a registry can
 * never become markup, in element content or in a quoted attribute.
 */
import { htmlEscape } from 'escape-goat';

export class Html {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

export type Part = Html | string | number | boolean | undefined | null | readonly Part[];

export function html(strings: TemplateStringsArray, ...values: readonly Part[]): Html {
  let text = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) text += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(text);
}

/** Markup this module's callers wrote themselves (a stylesheet, a script): never text from outside. */
export function trusted(text: string): Html {
  return new Html(text);
}

function render(value: Part): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false || value === true) return '';
  const text = String(value);
  // Most values (tags, names, counts) hold nothing to escape: skip the five replacements.
  return UNSAFE.test(text) ? htmlEscape(text) : text;
}

const UNSAFE = /[&<>"']/;
