import { describe, expect, it } from 'vitest';
import { renderTable, type Column } from './table.js';

type Row = { name: string; file: string; id: string };
const columns: Column<Row>[] = [
  { header: 'ID', value: (r) => r.id, keep: true },
  { header: 'NAME', value: (r) => r.name, flex: true },
  { header: 'FILE', value: (r) => r.file, flex: true },
];
const rows: Row[] = [{ id: 'pay_0123456789', name: 'wechatpay conformance: notifications verified, decrypted and acknowledged within 5 s', file: 'paycli/scenarios/wechatpay/conformance/1-acknowledged-in-time.yaml' }];

describe('renderTable', () => {
  it('fits the width, sharing the cut between flexible columns rather than cutting one to a stub', () => {
    const lines = renderTable(rows, columns, 80);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    const [, line] = lines;
    const name = line!.slice('pay_0123456789  '.length).split('  ')[0]!;
    expect(name.length).toBeGreaterThanOrEqual(25);
    expect(name.startsWith('wechatpay conformance')).toBe(true);
    expect(line).toContain('pay_0123456789');
  });

  it('leaves a table that fits as it is', () => {
    const lines = renderTable(rows, columns, 400);
    expect(lines[1]).toContain(rows[0]!.name);
    expect(lines[1]).toContain(rows[0]!.file);
  });
});
