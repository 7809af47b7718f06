/**
 * The tunnel's request log: one JSON document per line, one line per request/response pair, appended as
 * requests finish. Bodies are base64 so any bytes (binary, invalid UTF-8) survive for replay.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PaycliError } from '../errors.js';
import type { HeaderPairs } from './upstream.js';
import { ensurePrivateDir, openPrivateAppend } from '../private-files.js';

/** One request that passed through the inspecting proxy (or was replayed), and what the app answered. */
export interface RecordedRequest {
  /** `req_` followed by 16 hex digits. */
  id: string;
  object: 'tunnel_request';
  /** When the request arrived, ISO 8601. */
  time: string;
  /** The app's base URL the request was sent to. */
  target: string;
  method: string;
  /** Path and query exactly as the caller sent them. */
  path: string;
  request_headers: HeaderPairs;
  /** The raw request body, base64. */
  request_body: string;
  /** The app's status, or the status the proxy answered with itself (502/504/413) when `error` is set. */
  status: number;
  response_headers: HeaderPairs;
  /** The raw response body, base64. */
  response_body: string;
  latency_ms: number;
  /** Why the app could not answer, or null. */
  error: string | null;
  /** The id of the request this one replays, or null. */
  replay_of: string | null;
}

/** `.paycli/tunnel/requests.jsonl` under `cwd`. */
export function defaultLogFile(cwd: string): string {
  return path.join(cwd, '.paycli', 'tunnel', 'requests.jsonl');
}

/** A new request id. */
export function newRequestId(): string {
  return `req_${randomBytes(8).toString('hex')}`;
}

/**
 * Appends one record as one line. A single `appendFile` per line keeps concurrent writers from interleaving
 * inside a line. The file is created private (0600): it holds request headers and bodies, secrets included.
 */
export async function appendRecord(file: string, record: RecordedRequest): Promise<void> {
  // 0600 in a 0700 folder whatever the umask, a looser older log tightened, a symbolic link refused.
  await ensurePrivateDir(path.dirname(file));
  const handle = await openPrivateAppend(file);
  try {
    await handle.appendFile(JSON.stringify(record) + '\n', 'utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Reads every record in file order. A missing file is an empty log. Lines that do not parse (e.g. the last
 * line of a log whose writer was killed mid-write) are skipped rather than making the whole log unreadable.
 */
export async function readRecords(file: string): Promise<RecordedRequest[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PaycliError('invalid_usage', `cannot read the tunnel log ${file}: ${(err as Error).message}`, {
      param: 'log',
      hint: 'pass the log file with --log <file>',
      cause: err,
    });
  }
  const records: RecordedRequest[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as RecordedRequest;
      if (value && typeof value.id === 'string' && typeof value.method === 'string') records.push(value);
    } catch {
      // A torn line; see the function comment.
    }
  }
  return records;
}

/** The last `limit` records, oldest first. */
export async function recentRecords(file: string, limit: number): Promise<RecordedRequest[]> {
  const all = await readRecords(file);
  return limit > 0 ? all.slice(-limit) : all;
}

/** The record with this id. Throws `resource_missing` when the log has none. */
export async function findRecord(file: string, id: string): Promise<RecordedRequest> {
  const found = (await readRecords(file)).find((r) => r.id === id);
  if (!found) {
    throw new PaycliError('resource_missing', `no recorded request ${id} in ${file}`, {
      param: 'id',
      hint: 'run `paycli tunnel requests` to list recorded ids (and pass --log if the tunnel used another log file)',
    });
  }
  return found;
}
