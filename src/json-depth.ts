/**
 * How deeply a parsed JSON or YAML value nests, checked without recursion: request bodies and scenario files
 * are walked recursively afterwards (fingerprints, validation), which a deep enough value would overflow.
 */

/** Whether `value` nests deeper than `max` arrays/objects (iterative, so it cannot overflow itself). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
