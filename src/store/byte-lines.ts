/**
 * Reading the file store's files (snapshot and journal) as lines of bytes, for the compaction that merges them
 * (`snapshot-merge.ts`): no line is decoded to a string unless it has to be.
 */
import { open } from 'node:fs/promises';

/** Bytes read from a file at a time; the journal's pieces stay in memory while a line in them is the latest. */
const PIECE_BYTES = 8 * 1024 * 1024;

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** How a file is read: see `forEachLine`. */
export interface LineReading {
  /** Called after each piece read. */
  afterPiece?: () => Promise<void>;
  /**
   * Two buffers take turns (fresh memory costs a page fault per 4 KB), so `line` must not keep a
   * reference to a piece past `afterPiece`; without it, every piece is a buffer of its own.
   */
  recycle?: boolean;
  /** Bytes read at a time (tests make lines cross pieces with small ones); by default up to 8 MB. */
  pieceBytes?: number;
}

/** Calls `line(buf, start, end)` for each complete line of the file; returns the bytes after the last newline. */
export async function forEachLine(path: string, line: (buf: Buffer, start: number, end: number) => void, reading: LineReading = {}): Promise<number> {
  const { afterPiece, recycle = false } = reading;
  const handle = await open(path, 'r');
  // A small file gets a small buffer (a compaction every few lines in tests; a short journal segment).
  const pieceBytes = reading.pieceBytes ?? Math.min(PIECE_BYTES, Math.max(64 * 1024, (await handle.stat()).size + 1));
  const buffers = recycle ? [Buffer.allocUnsafe(pieceBytes), Buffer.allocUnsafe(pieceBytes)] : [];
  let turn = 0;
  try {
    let carry: Buffer | null = null;
    for (;;) {
      // The piece read before this one may still hold `carry`: it is the other buffer.
      const piece = recycle ? buffers[turn++ % 2]! : Buffer.allocUnsafe(pieceBytes);
      const { bytesRead } = await handle.read(piece, 0, pieceBytes, null);
      if (bytesRead === 0) return carry?.length ?? 0;
      const buf = piece.subarray(0, bytesRead);
      let start = 0;
      if (carry !== null) {
        // The line begun in the previous piece: joined on its own, not by copying this whole piece.
        const nl = buf.indexOf(NEWLINE);
        if (nl < 0) {
          carry = Buffer.concat([carry, buf]);
          continue;
        }
        const joined = Buffer.concat([carry, buf.subarray(0, nl)]);
        line(joined, 0, joined.length);
        start = nl + 1;
      }
      for (let nl = buf.indexOf(NEWLINE, start); nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
        line(buf, start, nl);
        start = nl + 1;
      }
      carry = start < buf.length ? buf.subarray(start) : null;
      await afterPiece?.();
    }
  } finally {
    await handle.close();
  }
}

export function startsWith(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  return end - at >= prefix.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** The end (index of the closing quote) of the JSON string starting at `at`, or -1. */
export function stringEnd(buf: Buffer, at: number, end: number): number {
  if (buf[at] !== QUOTE) return -1;
  // Byte by byte: ids are short, and a search for a backslash would run on to the end of the piece.
  let i = at + 1;
  while (i < end && buf[i] !== QUOTE) i += buf[i] === BACKSLASH ? 2 : 1;
  return i < end ? i : -1;
}

