/**
 * Same options → byte-identical files; another seed → other files. Also the other output
 * shapes: Parquet with natural types, NDJSON, split parts, and day batches.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSmall, type Generated } from './test-helpers.js';

function fingerprints(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const made: Generated[] = [];
async function generate(options: Parameters<typeof generateSmall>[0]): Promise<Generated> {
  const g = await generateSmall(options);
  made.push(g);
  return g;
}
afterAll(() => {
  for (const g of made) g.cleanup();
});

const base = { scale: 0.01, days: 70, end: '2026-11-23' } as const;

describe('reproducibility', () => {
  it('writes byte-identical files for the same options, and different ones for another seed', async () => {
    const a = fingerprints((await generate({ ...base, seed: 3 })).dir);
    const b = fingerprints((await generate({ ...base, seed: 3 })).dir);
    const c = fingerprints((await generate({ ...base, seed: 4 })).dir);
    expect(Object.keys(a).length).toBeGreaterThan(30);
    expect(b).toEqual(a);
    // Another seed: another region (rollout dates differ too), so every common file differs.
    const common = Object.keys(a).filter((k) => k in c);
    expect(common.length).toBeGreaterThan(20);
    expect(common.filter((k) => a[k] === c[k])).toEqual([]);
  });
});

describe('worker threads', () => {
  it('write the same files as generating in one thread (planning and batches split between two workers)', async () => {
    const inline = fingerprints((await generate({ ...base, seed: 5, workers: 0 })).dir);
    const threaded = fingerprints((await generate({ ...base, seed: 5, workers: 2 })).dir);
    expect(Object.keys(inline).length).toBeGreaterThan(30);
    expect(threaded).toEqual(inline);
  });
});

describe('output formats and batching', () => {
  it('writes Parquet with natural column types, byte-identical across runs', async () => {
    const g1 = await generate({ ...base, days: 42, seed: 9, format: 'parquet' });
    const g2 = await generate({ ...base, days: 42, seed: 9, format: 'parquet' });
    expect(fingerprints(g2.dir)).toEqual(fingerprints(g1.dir));
    const names = Object.keys(fingerprints(g1.dir)).filter((n) => n !== '_manifest.json');
    for (const n of names) expect(n).toMatch(/^[^/]+\/[a-z_]+\.parquet$/);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const described = (
      await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${g1.dir}/*/record_feeds.parquet')`)
    ).getRowObjectsJson();
    const types = Object.fromEntries(described.map((r) => [r.column_name, r.column_type]));
    expect(types).toMatchObject({ occurred_at: 'TIMESTAMP WITH TIME ZONE', item_count: 'INTEGER', nhs_number: 'VARCHAR' });
    const orgTypes = Object.fromEntries(
      (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${g1.dir}/${g1.manifest.batches[0]!.id}/organisations.parquet')`))
        .getRowObjectsJson()
        .map((r) => [r.column_name, r.column_type]),
    );
    expect(orgTypes).toMatchObject({ go_live_date: 'DATE', eligible_population: 'INTEGER', target_uptake_pct: 'DOUBLE' });
    const [count] = (
      await conn.runAndReadAll(`SELECT count(*)::INT AS n FROM read_parquet('${g1.dir}/*/usage_events.parquet')`)
    ).getRowObjectsJson();
    expect(Number(count!.n)).toBe(g1.summary.rows.usage_events);
    conn.closeSync();
    instance.closeSync();
  });

  it('writes NDJSON objects with the contract field names and JSON numbers', async () => {
    const g = await generate({ ...base, days: 21, seed: 9, format: 'ndjson' });
    const first = g.manifest.batches[0]!.id;
    const lines = gunzipSync(readFileSync(join(g.dir, first, 'patients.ndjson.gz'))).toString('utf8').trim().split('\n');
    const row = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(['nhs_number', 'practice_code', 'birth_year', 'sex', 'imd_decile']);
    expect(typeof row.birth_year).toBe('number');
    expect(lines.length).toBeGreaterThanOrEqual(23_000);
  });

  it('splits large files into numbered parts and points bad rows at the right part', async () => {
    const g = await generate({ ...base, days: 28, seed: 9, partRows: 5_000 });
    const first = g.manifest.batches[0]!;
    const patientFiles = first.files.filter((f) => f.kind === 'patients');
    // 23,000 patients plus a dozen planted bad rows in parts of 5,000: five parts.
    expect(patientFiles.map((f) => f.name)).toEqual([
      'patients.part-0001.csv.gz',
      'patients.part-0002.csv.gz',
      'patients.part-0003.csv.gz',
      'patients.part-0004.csv.gz',
      'patients.part-0005.csv.gz',
    ]);
    expect(patientFiles.slice(0, 4).every((f) => f.rows === 5_000)).toBe(true);
    for (const bad of g.manifest.bad_rows.rows.filter((r) => r.file.startsWith('patients'))) {
      const text = gunzipSync(readFileSync(join(g.dir, bad.batch, bad.file))).toString('utf8');
      const line = text.split('\n')[bad.line - 1]!;
      const [nhs, practice, , sex] = line.split(',');
      const spoiled = bad.kind === 'unknown_value' ? sex === 'Q' : bad.kind === 'unknown_org' ? practice!.startsWith('E99') : nhs!.length === 10;
      expect(spoiled, `${bad.file}:${bad.line} ${line}`).toBe(true);
    }
  });

  it('writes plain .csv files on request, holding exactly what the .csv.gz files hold', async () => {
    const gz = await generate({ ...base, days: 21, seed: 9 });
    const plain = await generate({ ...base, days: 21, seed: 9, compression: 'none' });
    const gzNames = Object.keys(fingerprints(gz.dir)).filter((n) => n !== '_manifest.json');
    const plainNames = Object.keys(fingerprints(plain.dir)).filter((n) => n !== '_manifest.json');
    expect(plainNames.sort()).toEqual(gzNames.map((n) => n.replace(/\.gz$/, '')).sort());
    for (const name of gzNames) {
      const unzipped = gunzipSync(readFileSync(join(gz.dir, name)));
      expect(readFileSync(join(plain.dir, name.replace(/\.gz$/, ''))).equals(unzipped), name).toBe(true);
    }
    // Same rows and planted bad rows; only the file names in the manifest lose `.gz`.
    expect(plain.manifest.bad_rows.rows).toEqual(gz.manifest.bad_rows.rows.map((r) => ({ ...r, file: r.file.replace(/\.gz$/, '') })));
    expect(plain.manifest.counts).toEqual(gz.manifest.counts);
  });

  it('supports daily batches, one folder per day in delivery order', async () => {
    const g = await generate({ ...base, days: 14, seed: 9, batch: 'day' });
    const ids = g.manifest.batches.map((b) => b.id);
    expect(ids.length).toBe(14);
    expect(ids[0]).toBe('2026-11-10T02-00Z');
    expect(ids[13]).toBe('2026-11-23T02-00Z');
    expect([...ids].sort()).toEqual(ids);
  });
});
