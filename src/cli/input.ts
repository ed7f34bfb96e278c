/** Bad input data (a tag list, a time): exit 2 like a usage error, with what is wrong in it. */
export class InputError extends Error {
  override name = 'InputError';
}

export function parseTime(text: string, what: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new InputError(`${what}: "${text}" is not a time (expected RFC 3339, e.g. 2026-01-31T12:00:00Z)`);
  return date;
}
