/**
 * A small closed-loop HTTP/1.1 load generator over raw keep-alive sockets: `connections` clients, each
 * sending one request, waiting for the whole response, then sending the next, for a fixed time.
 *
 * Why not node:http's client: at ~25k req/s (a bare node:http server) its client costs more CPU than
 * the server it measures, so on a 2-core machine the baseline would measure the client. This client
 * only frames requests and reads Content-Length responses, which is all the servers under test send.
 */
import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Runs the load and returns throughput and latency percentiles for the measured window.
 *
 * @param {object} o
 * @param {number} o.port  a server on 127.0.0.1
 * @param {number} o.connections  concurrent keep-alive connections
 * @param {number} o.warmupMs  run this long before measuring (JIT, connection setup)
 * @param {number} o.durationMs  the measured window
 * @param {(n: number) => Buffer} o.request  the raw bytes of request number n (unique bodies per n)
 * @param {number | number[]} [o.expectStatus]  responses with another status are counted as errors
 * @param {number} [o.maxRequests]  stop sending after this many requests (a warm-up by count: on a busy
 *   machine a warm-up by time may serve too few requests for the JIT to have optimised the server's code)
 */
export async function runLoad(o) {
  const latencies = [];
  let sent = 0;
  let errors = 0;
  let firstError = null;
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupMs;
  const measureTo = measureFrom + o.durationMs;

  const client = () =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: o.port });
      socket.setNoDelay(true);
      let buf = Buffer.alloc(0);
      let started = 0;
      const next = () => {
        if (performance.now() >= measureTo || sent >= (o.maxRequests ?? Infinity)) {
          socket.end();
          return;
        }
        started = performance.now();
        socket.write(o.request(sent++));
      };
      socket.on('connect', next);
      socket.on('error', reject);
      socket.on('close', () => resolve());
      socket.on('data', (chunk) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        for (;;) {
          const end = buf.indexOf(HEADER_END);
          if (end < 0) return;
          const head = buf.toString('latin1', 0, end);
          const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          if (!match) {
            socket.destroy();
            reject(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
            return;
          }
          const total = end + 4 + Number(match[1]);
          if (buf.length < total) return;
          const status = Number(head.slice(9, 12));
          const done = performance.now();
          if (o.expectStatus !== undefined && !(Array.isArray(o.expectStatus) ? o.expectStatus.includes(status) : status === o.expectStatus)) {
            errors++;
            firstError ??= `${status} ${buf.toString('utf8', end + 4, Math.min(total, end + 404))}`;
          }
          if (started >= measureFrom && done <= measureTo) {
            latencies.push(done - started);
          }
          buf = buf.subarray(total);
          next();
        }
      });
    });

  await Promise.all(Array.from({ length: o.connections }, client));
  return { ...summarise([latencies], o.durationMs), errors, first_error: firstError, latencies };
}

/**
 * Throughput and latency percentiles over one or more measured windows (their latencies, and their
 * total length in milliseconds).
 */
export function summarise(latencyLists, totalMs) {
  const all = latencyLists.flat().sort((a, b) => a - b);
  const pct = (p) => (all.length === 0 ? NaN : all[Math.min(all.length - 1, Math.floor((p / 100) * all.length))]);
  return {
    requests_per_sec: Math.round(all.length / (totalMs / 1000)),
    p50_ms: round(pct(50)),
    p99_ms: round(pct(99)),
    max_ms: round(all[all.length - 1] ?? NaN),
    requests: all.length,
  };
}

/** Frames a POST with a JSON body as raw HTTP/1.1 bytes. */
export function jsonPost(path, headers, body) {
  const payload = Buffer.from(JSON.stringify(body));
  let head = `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\ncontent-type: application/json\r\ncontent-length: ${payload.length}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`), payload]);
}

/** Frames a GET as raw HTTP/1.1 bytes. */
export function get(path, headers) {
  let head = `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return Buffer.from(`${head}\r\n`);
}

function round(ms) {
  return Math.round(ms * 100) / 100;
}
