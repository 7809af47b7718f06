/** The JSON reporter: the RunReport as it is. Two runs of one suite differ only in `duration_ms` fields. */
import type { RunReport } from '../results.js';

/** Pretty-printed JSON with a final newline. */
export function jsonReport(report: RunReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
