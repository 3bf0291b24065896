import { describe, expect, it } from 'vitest';
import type { Column, Row } from '../api/types.js';
import { csvFileName, toCsv } from './csv.js';

const columns: Column[] = [
  { name: 'org_name', label: 'Organisation', type: 'string' },
  { name: 'activated', label: 'Patients activated', type: 'number', unit: 'count' },
  { name: 'uptake_pct', label: 'Uptake', type: 'number', unit: 'percent' },
];

describe('CSV of a chart', () => {
  it('has a header of labels and raw values, with * for hidden cells', () => {
    const rows: Row[] = [
      { org_name: 'Riverside, North', activated: 1234, uptake_pct: 21.5 },
      { org_name: 'Hill "Top" Surgery', activated: null, uptake_pct: null, _suppressed: ['activated', 'uptake_pct'] },
      { org_name: 'Valley', activated: 0, uptake_pct: null },
    ];
    expect(toCsv(columns, rows)).toBe(
      'Organisation,Patients activated (count),Uptake (percent)\r\n' +
        '"Riverside, North",1234,21.5\r\n' +
        '"Hill ""Top"" Surgery",*,*\r\n' +
        'Valley,0,\r\n',
    );
  });

  it('names the file after the chart title', () => {
    expect(csvFileName('Uptake against target, by CCG')).toBe('uptake-against-target-by-ccg.csv');
  });
});
