/** Left-aligned columns, two spaces apart; the last column is never padded. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return rows.map(line).join('\n') + '\n';
}

/** Rows under a header, as `columns`. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return columns([header, ...rows]);
}
