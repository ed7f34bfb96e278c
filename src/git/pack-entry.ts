/** The header of one pack entry: git's object type code, inflated size and, for deltas, the base. */

export const PACK_TYPES = ['', 'commit', 'tree', 'blob', 'tag', '', 'ofs-delta', 'ref-delta'] as const;
export type PackType = (typeof PACK_TYPES)[number];

export interface EntryHeader {
  type: PackType;
  /** Declared inflated size of the entry's data (for a delta: of the delta itself). */
  size: number;
  /** An ofs-delta's base, as an offset in the pack. */
  baseOffset?: number;
  /** A ref-delta's base. */
  baseOid?: string;
  /** Bytes the header takes: the compressed data starts right after. */
  length: number;
}

/** Reads the header at `bytes[at]`; `offset` is where that entry starts in the pack. */
export function entryHeaderAt(bytes: Buffer, at: number, offset: number): EntryHeader {
  const start = at;
  let byte = bytes[at++]!;
  const type = PACK_TYPES[(byte >> 4) & 7] ?? '';
  let size = byte & 0x0f;
  for (let shift = 4; byte & 0x80; shift += 7) {
    byte = bytes[at++]!;
    size += (byte & 0x7f) * 2 ** shift;
  }
  const header: EntryHeader = { type, size, length: 0 };
  if (type === 'ofs-delta') {
    byte = bytes[at++]!;
    let back = byte & 0x7f;
    while (byte & 0x80) {
      byte = bytes[at++]!;
      back = (back + 1) * 128 + (byte & 0x7f);
    }
    header.baseOffset = offset - back;
  } else if (type === 'ref-delta') {
    header.baseOid = bytes.toString('hex', at, at + 20);
    at += 20;
  }
  header.length = at - start;
  return header;
}
