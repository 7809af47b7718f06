import { chmod, lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendRecord, readRecords, type RecordedRequest } from './request-log.js';

const record = (id: string) => ({ id, object: 'tunnel_request', time: '2026-03-01T00:00:00.000Z', target: 'http://127.0.0.1:3000', method: 'POST', path: '/webhooks', request_headers: [], request_body: '', status: 200, response_headers: [] }) as unknown as RecordedRequest;

describe('the tunnel request log is private', () => {
  let dir: string;
  let umask: number;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'paycli-tunnel-log-'));
    umask = process.umask(0);
  });
  afterEach(async () => {
    process.umask(umask);
    await rm(dir, { recursive: true, force: true });
  });
  const modeOf = async (p: string) => (await lstat(p)).mode & 0o777;

  it('is written 0600 in a 0700 folder whatever the umask', async () => {
    const file = path.join(dir, '.paycli', 'tunnel', 'requests.jsonl');
    await appendRecord(file, record('req_1'));
    await appendRecord(file, record('req_2'));
    expect(await modeOf(file)).toBe(0o600);
    expect(await modeOf(path.dirname(file))).toBe(0o700);
    expect((await readRecords(file)).map((r) => r.id)).toEqual(['req_1', 'req_2']);
  });

  it('tightens an older 0644 log and refuses one that is a symbolic link', async () => {
    const folder = path.join(dir, 'tunnel');
    await mkdir(folder);
    const file = path.join(folder, 'requests.jsonl');
    await writeFile(file, '');
    await chmod(file, 0o644);
    await appendRecord(file, record('req_1'));
    expect(await modeOf(file)).toBe(0o600);
    const target = path.join(dir, 'elsewhere');
    await writeFile(target, 'precious');
    const link = path.join(folder, 'link.jsonl');
    await symlink(target, link);
    await expect(appendRecord(link, record('req_2'))).rejects.toMatchObject({ code: 'ELOOP' });
    expect(await readFile(target, 'utf8')).toBe('precious');
  });
});
