/**
 * Inserts a signature into a commit object as git does (`add_header_signature`): a `gpgsig` header
 * after the last header line, every line of the signature after the first indented by one space.
 * The signature covers the commit bytes without this header, which is what `git verify-commit`
 * strips and checks.
 */
export function withSignatureHeader(commit: Buffer, signature: string): Buffer {
  const end = commit.indexOf('\n\n');
  const at = end < 0 ? commit.length : end + 1;
  const lines = signature.endsWith('\n') ? signature.slice(0, -1).split('\n') : signature.split('\n');
  const header = `gpgsig ${lines.join('\n ')}\n`;
  return Buffer.concat([commit.subarray(0, at), Buffer.from(header), commit.subarray(at)]);
}
