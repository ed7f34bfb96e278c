import { parse } from 'yaml';

/** Characters an image reference's parts are written with. */
const PLAIN_CHARS = /^[A-Za-z0-9_./][A-Za-z0-9_./:@+=-]*$/;

/** True when `value` written plain reads back as the same string, in YAML 1.2 and in 1.1 (Go tooling). */
export function plainSafe(value: string): boolean {
  if (!PLAIN_CHARS.test(value) || value.endsWith(':')) return false;
  // No number, boolean, null or timestamp of either version has a slash: an image reference with
  // its path is a string as written, without parsing it twice (test/manifests/edit-shortcuts.test.ts).
  if (value.includes('/')) return true;
  return parse(value) === value && parse(value, { version: '1.1' }) === value;
}
