/**
 * Test support: generate a small region into a temporary folder and read the batches back with
 * an independent CSV reader (no generator code involved in reading).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { generateRegion, type GenerateOptions, type GenerationSummary, type Manifest } from './index.js';

export interface Generated {
  dir: string;
  summary: GenerationSummary;
  manifest: Manifest;
  cleanup: () => void;
}

export async function generateSmall(options: Omit<GenerateOptions, 'out'>): Promise<Generated> {
  const dir = mkdtempSync(join(tmpdir(), 'portal-gen-test-'));
  const summary = await generateRegion({ out: dir, workers: 0, ...options });
  const manifest = JSON.parse(readFileSync(join(dir, '_manifest.json'), 'utf8')) as Manifest;
  return { dir, summary, manifest, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface BatchFile {
  batch: string;
  file: string;
  /** Base name: organisations, usage_events, … */
  kind: string;
  header: string[];
  rows: string[][];
}

/** Every file of every batch folder, in delivery order (folder names sort in delivery order). */
export function readBatches(dir: string): BatchFile[] {
  const out: BatchFile[] = [];
  const batches = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const batch of batches) {
    for (const file of readdirSync(join(dir, batch)).sort()) {
      const text = gunzipSync(readFileSync(join(dir, batch, file))).toString('utf8');
      const [header, ...rows] = parseCsv(text);
      out.push({ batch, file, kind: file.replace(/(\.part-\d{4})?\.csv\.gz$/, ''), header: header ?? [], rows });
    }
  }
  return out;
}

/** The delivery instant of a batch id like 2026-03-02T02-00Z. */
export function deliveryTime(batchId: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})Z$/.exec(batchId);
  if (!m) throw new Error(`not a batch id: ${batchId}`);
  return Date.parse(`${m[1]}T${m[2]}:${m[3]}:00Z`);
}
