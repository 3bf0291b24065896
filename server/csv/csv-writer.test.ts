import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from './csv-writer.js';

describe('csvCell', () => {
  it('leaves a field without comma, quote or line break as it is', () => {
    expect(csvCell('E85001')).toBe('E85001');
    expect(csvCell('')).toBe('');
    expect(csvCell('2026-03-01T10:15:00+01:00')).toBe('2026-03-01T10:15:00+01:00');
    expect(csvCell("St John's Surgery")).toBe("St John's Surgery");
    expect(csvCell(' padded ')).toBe(' padded ');
  });

  it('quotes a field holding a comma, a quote or a line break, doubling its quotes', () => {
    expect(csvCell('Hill, North')).toBe('"Hill, North"');
    expect(csvCell("St John's, £4.20")).toBe('"St John\'s, £4.20"');
    expect(csvCell('Hill "Top" Surgery')).toBe('"Hill ""Top"" Surgery"');
    expect(csvCell('"')).toBe('""""');
    expect(csvCell('first\nsecond')).toBe('"first\nsecond"');
    expect(csvCell('first\r\nsecond')).toBe('"first\r\nsecond"');
  });
});

describe('csvLine', () => {
  it('joins the cells with commas and ends with the line end given', () => {
    expect(csvLine(['org_code', 'name', 'org_type'], '\n')).toBe('org_code,name,org_type\n');
    expect(csvLine(['E85001', 'Hill "Top", Surgery', 'practice'], '\r\n')).toBe('E85001,"Hill ""Top"", Surgery",practice\r\n');
    expect(csvLine(['QRV', '', ''], '\n')).toBe('QRV,,\n');
  });

  it('writes an empty record as an empty line, and a single empty field the same way', () => {
    expect(csvLine([], '\n')).toBe('\n');
    expect(csvLine([''], '\n')).toBe('\n');
  });
});
