/** "Did you mean …?" for misspelled names: the nearest candidate by edit distance, when near enough. */

/**
 * The candidate nearest to `name`, if it is near enough to be a typo.
 *
 * @example
 * closest('stauts', ['status', 'amount']); // 'status'
 */
export function closest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const cand of candidates) {
    const d = editDistance(name.toLowerCase(), cand.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [cand, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : null;
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
