/** Cursor pagination over an insertion-ordered collection, newest first (as PSP list APIs do). */

export interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  /** Pass as `starting_after` to get the next page; null on the last page. */
  next_cursor: string | null;
}

export const DEFAULT_LIMIT = 10;

/**
 * Walks `items` from the newest, skipping down to the cursor, keeping those `keep` accepts.
 * An unknown cursor yields an empty page rather than restarting from the top.
 */
export function paginate<T extends { id: string }>(
  items: readonly T[],
  q: { limit?: number; starting_after?: string },
  keep: (item: T) => boolean,
): Page<T> {
  const limit = q.limit ?? DEFAULT_LIMIT;
  let i = items.length - 1;
  if (q.starting_after !== undefined) {
    while (i >= 0 && items[i]!.id !== q.starting_after) i--;
    i--; // start after the cursor
  }
  const data: T[] = [];
  let hasMore = false;
  for (; i >= 0; i--) {
    const item = items[i]!;
    if (!keep(item)) continue;
    if (data.length === limit) {
      hasMore = true;
      break;
    }
    data.push(item);
  }
  return { object: 'list', data, has_more: hasMore, next_cursor: hasMore ? data[data.length - 1]!.id : null };
}
