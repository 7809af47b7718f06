/**
 * Scenario files are input from a repository, so a hostile or broken one must be a user error naming the
 * file (exit 2), never a crash that stops the validation of every other file, nor gigabytes of memory:
 * - a size limit, checked before reading (a 60 MB file took 2.1 GB to parse);
 * - YAML aliases bounded (an alias bomb expands a few lines into billions of nodes);
 * - nesting bounded (deep nesting overflows the stack of the parser or of whatever walks the value).
 */

/** Far above any real scenario (the library's largest is a few KB). */
export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;
/** How many times aliases may be expanded in one file (yaml's own bound, made explicit). */
export const MAX_SCENARIO_ALIASES = 100;
/** How deeply arrays and objects may nest in a scenario. */
export const MAX_SCENARIO_DEPTH = 64;

/** What a limit the parser hit means for the user, or null for any other error. */
export function describeLimitError(err: unknown): string | null {
  if (err instanceof RangeError) return `nests too deeply to read (over ${MAX_SCENARIO_DEPTH} levels)`;
  if (err instanceof ReferenceError && /alias/i.test(err.message)) return `expands too many YAML aliases (over ${MAX_SCENARIO_ALIASES}: an alias bomb?)`;
  return null;
}
