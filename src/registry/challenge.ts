/** A `WWW-Authenticate` challenge from a registry (RFC 7235 syntax, as Distribution's token spec uses it). */
export interface Challenge {
  scheme: 'basic' | 'bearer';
  realm?: string;
  service?: string;
  scope?: string;
}

/** The first Basic or Bearer challenge in the header; undefined when there is none we speak. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  const match = /^\s*(basic|bearer)\b\s*(.*)$/i.exec(header);
  if (match === null) return undefined;
  const scheme = match[1]!.toLowerCase() as Challenge['scheme'];
  const params = parseParams(match[2] ?? '');
  return { scheme, realm: params.get('realm'), service: params.get('service'), scope: params.get('scope') };
}

/** `key="quoted, value", key=token` pairs; quoted strings may contain commas and escaped quotes. */
function parseParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  const pair = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/gy;
  for (let m = pair.exec(text); m !== null && m[0] !== ''; m = pair.exec(text)) {
    const key = m[1]!.toLowerCase();
    if (!params.has(key)) params.set(key, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return params;
}
