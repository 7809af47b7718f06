/**
 * Replaying a recorded request: the same method, path+query, headers and raw body bytes, sent again to the
 * app (or to another target), with the new answer recorded as a request of its own.
 */
import { SystemClock, type Clock } from '../clock.js';
import { appendRecord, newRequestId, type RecordedRequest } from './request-log.js';
import { describeUpstreamError, parseTarget, sendUpstream, type UpstreamResponse } from './upstream.js';

export interface ReplayOptions {
  /** The request to send again. */
  record: RecordedRequest;
  /** Where to send it: a port, `host:port` or URL (default: the target it was first sent to). */
  to?: string;
  /** The log to record the replay in. */
  logFile: string;
  clock?: Clock;
  /** How long to wait for the app (default 30 s). */
  timeoutMs?: number;
}

/**
 * Sends a recorded request again and records the result (`replay_of` names the original). An unreachable
 * app is not thrown: it comes back as a record with `error` set and no status from the app.
 *
 * @example
 * const again = await replayRequest({ record: await findRecord(log, 'req_0123456789abcdef'), logFile: log });
 * console.log(again.status);
 */
export async function replayRequest(options: ReplayOptions): Promise<RecordedRequest> {
  const { record } = options;
  const clock = options.clock ?? new SystemClock();
  const target = parseTarget(options.to ?? record.target);
  const body = Buffer.from(record.request_body, 'base64');
  const started = clock.now();

  let answer: UpstreamResponse | null = null;
  let error: string | null = null;
  try {
    answer = await sendUpstream({
      target,
      method: record.method,
      path: record.path,
      headers: record.request_headers,
      body,
      timeoutMs: options.timeoutMs,
    });
  } catch (err) {
    error = describeUpstreamError(err, target);
  }

  const replayed: RecordedRequest = {
    id: newRequestId(),
    object: 'tunnel_request',
    time: new Date(started).toISOString(),
    target: target.href,
    method: record.method,
    path: record.path,
    request_headers: record.request_headers,
    request_body: record.request_body,
    // 502 mirrors what the proxy would have answered a live caller.
    status: answer?.status ?? 502,
    response_headers: answer?.headers ?? [],
    response_body: (answer?.body ?? Buffer.alloc(0)).toString('base64'),
    latency_ms: Math.max(0, clock.now() - started),
    error,
    replay_of: record.id,
  };
  await appendRecord(options.logFile, replayed);
  return replayed;
}
