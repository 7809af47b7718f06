/**
 * Tables that fit the terminal: columns padded to their widest cell, and when the row is wider than the
 * terminal, the flexible columns (order ids, URLs) are cut with an ellipsis first, then optional columns are
 * left out, then the others are cut; ids are never cut.
 * Colour is applied after padding, so escape codes never count towards widths.
 */
import { c } from './output.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Colours a (padded) cell. */
  color?: (text: string, row: T) => string;
  /** Cut this column first when the table is too wide. */
  flex?: boolean;
  /** Right-align (amounts). */
  right?: boolean;
  /** Never cut (ids people copy). */
  keep?: boolean;
  /** Leave this column out when cutting the flexible ones is not enough. */
  optional?: boolean;
}

const GAP = 2;
const MIN_WIDTH = 6;

/** The terminal's width: `COLUMNS`, the stream's columns, or 100 when output is not a terminal. */
export function terminalWidth(env: Record<string, string | undefined>): number {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return process.stdout.columns || 100;
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** The table's lines (header first), at most `width` characters wide. */
export function renderTable<T>(rows: readonly T[], allColumns: readonly Column<T>[], width: number): string[] {
  let columns = [...allColumns];
  const measure = () => columns.map((col) => Math.max(col.header.length, ...rows.map((r) => col.value(r).length)));
  let widths = measure();
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (columns.length - 1);
  // Cuts the widest eligible column, but never below the next widest: the cut is shared out, so one long
  // column (a scenario's name) is not cut to a stub while a shorter one (its file) keeps its whole width.
  const shrink = (eligible: (col: Column<T>) => boolean) => {
    while (total() > width) {
      const cuttable = widths.map((w, i) => (eligible(columns[i]!) && !columns[i]!.keep && w > MIN_WIDTH ? i : -1)).filter((i) => i >= 0);
      if (cuttable.length === 0) return;
      const widest = cuttable.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
      const next = Math.max(MIN_WIDTH, ...cuttable.filter((i) => i !== widest).map((i) => widths[i]!));
      const floor = next < widths[widest]! ? next : widths[widest]! - 1;
      widths[widest] = Math.max(MIN_WIDTH, floor, widths[widest]! - (total() - width));
    }
  };
  shrink((col) => col.flex === true);
  // Still too wide: leave out optional columns (last first), measuring afresh, then cut whatever is left.
  while (total() > width && columns.some((col) => col.optional)) {
    const drop = columns.findLastIndex((col) => col.optional);
    columns = columns.filter((_, i) => i !== drop);
    widths = measure();
    shrink((col) => col.flex === true);
  }
  shrink(() => true);
  const cells = rows.map((r) => columns.map((col) => col.value(r)));
  const line = (texts: string[], row: T | null) =>
    texts
      .map((t, i) => {
        const col = columns[i]!;
        const text = cut(t, widths[i]!);
        const padded = col.right ? text.padStart(widths[i]!) : i === texts.length - 1 ? text : text.padEnd(widths[i]!);
        return row !== null && col.color ? col.color(padded, row) : padded;
      })
      .join(' '.repeat(GAP));
  return [c.dim(line(columns.map((col) => col.header), null)), ...rows.map((r, j) => line(cells[j]!, r))];
}
