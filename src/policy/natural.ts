/**
 * Orderings on plain strings that tags need: numeric-aware ("rc9" < "rc10") and exact decimals
 * (no float rounding, no digit limit), so ordering never depends on the size of a number.
 */

/** Compares two runs of digits by value without converting them to numbers (any length). */
export function compareDigits(a: string, b: string): number {
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function stripZeros(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return digits.slice(i);
}

const RUN = /\d+|\D+/g;

/**
 * Numeric-aware order: digit runs compare by value, other runs by code unit, then the shorter
 * string first. Equal only for identical strings ("01" and "1" differ: the raw text breaks the
 * tie), so sorting with it is total and deterministic.
 */
export function compareNatural(a: string, b: string): number {
  if (a === b) return 0;
  const x = a.match(RUN) ?? [];
  const y = b.match(RUN) ?? [];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const cmp = compareRun(x[i] ?? '', y[i] ?? '');
    if (cmp !== 0) return cmp;
  }
  if (x.length !== y.length) return x.length - y.length;
  return a < b ? -1 : 1;
}

function compareRun(a: string, b: string): number {
  const digitsA = isDigit(a.charCodeAt(0));
  const digitsB = isDigit(b.charCodeAt(0));
  if (digitsA && digitsB) return compareDigits(a, b);
  // A number sorts before text at the same position, as semver orders numeric identifiers first.
  if (digitsA !== digitsB) return digitsA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Byte (code unit) order, the order Flux's alphabetical policy uses. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** A decimal number as written (`42`, `-1.5`, `007`), or null when the text is not one. */
export interface Decimal {
  negative: boolean;
  whole: string;
  fraction: string;
}

export function parseDecimal(text: string): Decimal | null {
  const match = DECIMAL.exec(text);
  if (match === null) return null;
  const whole = stripZeros(match[2] ?? '0');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const zero = whole === '0' && fraction === '';
  return { negative: match[1] === '-' && !zero, whole, fraction };
}

/** Exact comparison of decimals of any length. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const magnitude = compareDigits(a.whole, b.whole) || compareFraction(a.fraction, b.fraction);
  return a.negative ? -magnitude : magnitude;
}

function compareFraction(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const x = a.padEnd(width, '0');
  const y = b.padEnd(width, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}
