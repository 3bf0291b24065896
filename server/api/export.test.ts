/** The CSV export of a metric result, worked through on a small example. */
import { describe, expect, it } from 'vitest';
import type { MetricColumn } from '../metrics/catalogue.js';
import type { ProtectedRow } from '../metrics/disclosure.js';
import { toCsv } from './export.js';

const column = (name: string, type: MetricColumn['type']): MetricColumn => ({ name, label: name, type, protect: { kind: 'none' } });
const COLUMNS = [column('org_code', 'string'), column('org_name', 'string'), column('activated', 'number'), column('weekly', 'number[]')];

describe('toCsv', () => {
  it('writes a header and one CRLF line per row, quoting only the fields that need it', () => {
    const csv = toCsv(COLUMNS, [
      { org_code: 'P01', org_name: 'Hill "Top", North', activated: 15, weekly: [3, 4, null] },
      { org_code: 'P02', org_name: 'Canal Side', activated: null, weekly: [] },
    ]);
    expect(csv).toBe('org_code,org_name,activated,weekly\r\n' + 'P01,"Hill ""Top"", North",15,3;4;*\r\n' + 'P02,Canal Side,,\r\n');
  });

  it('writes * for a suppressed cell', () => {
    const row: ProtectedRow = { org_code: 'P03', org_name: 'Practice Three', activated: null, weekly: [1] };
    row._suppressed = ['activated'];
    const csv = toCsv(COLUMNS, [row]);
    expect(csv).toBe('org_code,org_name,activated,weekly\r\nP03,Practice Three,*,1\r\n');
  });
});
