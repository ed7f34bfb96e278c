/**
 * Strict reading of range text before it reaches the `semver` package, which silently drops what
 * it does not understand (`>=1.2 foo` reads as `>=1.2.0`, `1.2 ||` as "any version"). Every token
 * must be a comparator, a hyphen or `||`; commas mean "and", as in Masterminds semver (Flux).
 */

const OPERATOR = '(?:[<>]=?|=|~>?|\\^)';
const PART = '(?:\\d+|[xX*])';
const VERSION = `[vV]?${PART}(?:\\.${PART}){0,2}(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?`;
const COMPARATOR = new RegExp(`^(${OPERATOR}?)(${VERSION})$`);
const PLAIN_VERSION = new RegExp(`^${VERSION}$`);
const OPERATOR_THEN_SPACE = new RegExp(`(${OPERATOR})\\s+`, 'g');

/** The range in a form `semver` reads exactly as written; throws an Error naming what is wrong. */
export function normaliseRange(text: string): string {
  return text
    .split('||')
    .map((alternative) => normaliseAlternative(alternative.trim()))
    .join(' || ');
}

function normaliseAlternative(alternative: string): string {
  if (alternative === '') throw new Error('empty alternative around "||"');
  const tokens = alternative
    .replace(/\s*,\s*/g, ' ')
    .replace(OPERATOR_THEN_SPACE, '$1')
    .split(/\s+/);
  if (tokens.length === 3 && tokens[1] === '-') return hyphenRange(tokens[0] ?? '', tokens[2] ?? '');
  return tokens.map(comparator).join(' ');
}

function hyphenRange(low: string, high: string): string {
  for (const end of [low, high]) {
    if (!PLAIN_VERSION.test(end)) throw new Error(`"${end}" is not a version`);
  }
  return `${stripZeros(low)} - ${stripZeros(high)}`;
}

function comparator(token: string): string {
  const match = COMPARATOR.exec(token);
  if (match === null) throw new Error(`"${token}" is not a comparator (e.g. ^1.2, ~1.2.3, >=1.0 <2, 1.x)`);
  return `${match[1] ?? ''}${stripZeros(match[2] ?? '')}`;
}

/** Zero-padded calver (`2022.04`) as npm reads it: numeric parts of the release lose their padding. */
function stripZeros(version: string): string {
  const dash = version.search(/[-+]/);
  const core = dash < 0 ? version : version.slice(0, dash);
  const rest = dash < 0 ? '' : version.slice(dash);
  return core.replace(/(^|\.|[vV])0+(?=\d)/g, '$1') + rest;
}
