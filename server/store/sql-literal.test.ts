import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { sqlLiteral } from './sql-literal.js';

describe('sqlLiteral', () => {
  it('quotes a value, doubling single quotes and leaving everything else as it is', () => {
    expect(sqlLiteral('usage_events')).toBe("'usage_events'");
    expect(sqlLiteral('')).toBe("''");
    expect(sqlLiteral("O'Brien")).toBe("'O''Brien'");
    expect(sqlLiteral("''")).toBe("''''''");
    expect(sqlLiteral('/tmp/it\'s here/rows.csv')).toBe("'/tmp/it''s here/rows.csv'");
    expect(sqlLiteral('C:\\data\\"x"')).toBe("'C:\\data\\\"x\"'");
  });

  it('reads back as the same value in DuckDB, whatever the value holds', async () => {
    const values = ["O'Brien", "'; DROP TABLE x; --", 'back\\slash', 'new\nline', '"double"', '£ and é', '', "''"];
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const read = (await conn.runAndReadAll(`SELECT ${values.map(sqlLiteral).join(', ')}`)).getRows()[0];
      expect(read).toEqual(values);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
