/**
 * export-format.ts says what EXPORT_FORMAT.md says, no more and no less: the same files, keys,
 * columns, types, bounds, allowed values (in the same order) and optional fields. The document
 * is read as it is written — Markdown tables for some files, a prose list of columns for others —
 * and each mismatch is reported in words, both ways.
 *
 * The contract lives beside the repository (CI clones shared/ next to it), so it is found as
 * ../shared/contract/EXPORT_FORMAT.md from the repository root.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EVENT_KINDS, EXPORT_FILES, FILE_FORMATS, FILE_KINDS, REFERENCE_KINDS, columnNames, parseFileName, type FileKind, type ValueType } from './export-format.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONTRACT_DIR = join(REPO_ROOT, '../shared/contract');
const DOCUMENT_PATH = join(CONTRACT_DIR, 'EXPORT_FORMAT.md');
if (!existsSync(DOCUMENT_PATH)) {
  throw new Error(`The export contract is not at ${DOCUMENT_PATH}: the shared/ folder must be checked out beside the repository.`);
}
const DOCUMENT = readFileSync(DOCUMENT_PATH, 'utf8');
const SAMPLE_BATCH = join(CONTRACT_DIR, 'sample-batch');

// ---------------------------------------------------------------------------------------------
// Reading the document

interface DocColumn {
  name: string;
  /** The type the document states for the column, if it states one. */
  value?: ValueType;
  required: boolean;
}

interface DocFile {
  kind: string;
  section: 'reference' | 'events';
  key: string[];
  columns: DocColumn[];
}

/** Whitespace (including the line breaks of wrapped prose) as single spaces. */
const unwrap = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * A column's description — a table's type cell, or the parenthesis after a name in a prose list —
 * read as a type. Undefined when it only says what the column means.
 */
function describedValue(description: string): ValueType | undefined {
  const d = unwrap(description);
  // Allowed values: `a` | `b` (table) or `a|b` (prose), possibly followed by "or empty".
  const values = /^(`[^`]+`(?:\s*\|\s*`[^`]+`)*)/.exec(d);
  if (values) {
    const inside = [...values[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    return { type: 'enum', values: inside.flatMap((v) => v.split('|')).map((v) => v.trim()) };
  }
  if (/^text, 3–8 letters\/digits/.test(d)) return { type: 'org_code' };
  if (/^NHS number\b/.test(d)) return { type: 'nhs_number' };
  if (/^timestamp\b/.test(d)) return { type: 'timestamp' };
  if (/^date\b/.test(d)) return { type: 'date' };
  // A reference to an organisation is written as its code.
  if (/^(text|org_code)\b/.test(d)) return { type: 'text' };
  const numeric = /^(int|number)\b(?: (?:≥ (\d+)|(\d+)–(\d+)))?/.exec(d);
  if (numeric) {
    const [, type, atLeast, from, to] = numeric;
    const min = atLeast ?? from;
    return { type: type as 'int' | 'number', ...(min !== undefined ? { min: Number(min) } : {}), ...(to !== undefined ? { max: Number(to) } : {}) };
  }
  // A scale: "1 = most deprived … 10".
  const scale = /^(\d+) = [^…]*… (\d+)\b/.exec(d);
  if (scale) return { type: 'int', min: Number(scale[1]), max: Number(scale[2]) };
  return undefined;
}

const describedColumn = (name: string, description: string): DocColumn => ({
  name,
  value: describedValue(description),
  required: !/\bempty\b/.test(description),
});

/** Splits on `separator` outside parentheses and backticks. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let code = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '`') code = !code;
    else if (!code && ch === '(') depth++;
    else if (!code && ch === ')') depth--;
    else if (!code && depth === 0 && ch === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** A Markdown table's body rows as cells (`\|` is a pipe inside a cell). */
function tableRows(lines: string[]): string[][] {
  return lines
    .filter((l) => l.startsWith('|'))
    .map((l) => l.replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((cell) => cell.replace(/\\\|/g, '|').trim()))
    .filter((cells, i) => i > 0 && !cells.every((c) => /^-+$/.test(c)));
}

/**
 * A prose list of columns: "name, name (description), …." up to the sentence's end. Items that are
 * not a column name (an afterthought like "for uptake by age band") end the list.
 */
function proseColumns(text: string): DocColumn[] {
  const sentence = splitTopLevel(unwrap(text), '.')[0] ?? '';
  const columns: DocColumn[] = [];
  for (const item of splitTopLevel(sentence, ',')) {
    const match = /^([a-z][a-z0-9_]*)(?: \((.*)\))?$/.exec(item.trim());
    if (!match) break;
    columns.push(describedColumn(match[1]!, match[2] ?? ''));
  }
  return columns;
}

function documentedFiles(document: string): DocFile[] {
  const sections = document.split(/^## /m);
  const files: DocFile[] = [];
  for (const section of sections) {
    const heading = section.slice(0, section.indexOf('\n'));
    const kind = /^Reference data/.test(heading) ? 'reference' : /^Events/.test(heading) ? 'events' : undefined;
    if (!kind) continue;
    const sectionKey = /key `([a-z_]+)`/.exec(heading)?.[1];
    // Each file starts a line with its name in backticks; its block runs to the next one.
    const blocks = section.split(/^(?=`[a-z_]+\.csv`)/m).slice(1);
    for (const block of blocks) {
      const [, name, rest] = /^`([a-z_]+)\.csv`([\s\S]*)$/.exec(block)!;
      const keyText = /^\s*— key (?:`([a-z_]+)`|\(([^)]*)\))/.exec(rest!);
      const key = keyText ? (keyText[1] ?? keyText[2]!).split(',').map((k) => k.trim()) : sectionKey ? [sectionKey] : [];
      const lines = rest!.split('\n');
      const table = tableRows(lines);
      const columns = table.length
        ? table.map(([column, type]) => describedColumn(column!, type!))
        : proseColumns(rest!.slice(rest!.indexOf(':') + 1));
      files.push({ kind: name!, section: kind, key, columns });
    }
  }
  return files;
}

/** File name extensions the document names (the base names themselves end in `.csv`). */
function documentedFormats(document: string): string[] {
  const section = document.split(/^## /m).find((s) => s.startsWith('File formats')) ?? '';
  const extensions = [...section.matchAll(/`\.([a-z.]+)`/g)].map((m) => m[1]!);
  return [...new Set(['csv', ...extensions])];
}

// ---------------------------------------------------------------------------------------------
// Columns the document names without a type

/** RFC 4180, enough for the sample batch. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

const sampleFiles = (): Record<string, string[][]> =>
  Object.fromEntries(
    readdirSync(SAMPLE_BATCH)
      .filter((f) => f.endsWith('.csv'))
      .map((f) => [f.replace(/\.csv$/, ''), parseCsv(readFileSync(join(SAMPLE_BATCH, f), 'utf8'))]),
  );

/** The type the sample batch's values show: the narrowest one every non-empty value fits. */
function sampleValue(values: string[]): ValueType | undefined {
  const present = values.filter((v) => v !== '');
  if (present.length === 0) return undefined;
  const all = (pattern: RegExp) => present.every((v) => pattern.test(v));
  if (all(/^\d{4}-\d{2}-\d{2}$/)) return { type: 'date' };
  if (all(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})$/)) return { type: 'timestamp' };
  if (all(/^-?\d+$/)) return { type: 'int' };
  if (all(/^-?\d+(\.\d+)?$/)) return { type: 'number' };
  return { type: 'text' };
}

/**
 * Gives each column the document leaves untyped (campaigns' `start_date`, or `event_id` listed again
 * for usage events) the type the document gives the same name elsewhere, when that is one type;
 * else (`org_code` is a code's definition in one place and a reference in others) the type the
 * sample batch's values show.
 */
function withTypes(files: DocFile[], samples: Record<string, string[][]>): { files: DocFile[]; untyped: string[] } {
  const stated = new Map<string, ValueType[]>();
  for (const f of files)
    for (const c of f.columns)
      if (c.value && c.value.type !== 'enum') {
        const known = stated.get(c.name) ?? [];
        if (!known.some((v) => v.type === c.value!.type)) stated.set(c.name, [...known, { type: c.value.type }]);
      }
  const untyped: string[] = [];
  const typed = files.map((f) => ({
    ...f,
    columns: f.columns.map((c) => {
      if (c.value) return c;
      const elsewhere = stated.get(c.name);
      if (elsewhere?.length === 1) return { ...c, value: elsewhere[0] };
      const [header, ...rows] = samples[f.kind] ?? [];
      const at = header?.indexOf(c.name) ?? -1;
      const value = at >= 0 ? sampleValue(rows.map((r) => r[at] ?? '')) : undefined;
      if (!value) untyped.push(`${f.kind}.${c.name}`);
      return { ...c, value };
    }),
  }));
  return { files: typed, untyped };
}

// ---------------------------------------------------------------------------------------------
// Comparing

const describeValue = (v: ValueType | undefined): string => {
  if (!v) return 'no type';
  if (v.type === 'enum') return `one of ${v.values.join('|')}`;
  if (v.type === 'int' || v.type === 'number') {
    const bounds = [v.min !== undefined ? `≥ ${v.min}` : '', v.max !== undefined ? `≤ ${v.max}` : ''].filter(Boolean).join(' ');
    return bounds ? `${v.type} ${bounds}` : v.type;
  }
  return v.type;
};

/** Differences between two lists of names, as sentences. */
function listDifferences(what: string, documented: readonly string[], declared: readonly string[], source = 'EXPORT_FORMAT.md'): string[] {
  return [
    ...documented.filter((n) => !declared.includes(n)).map((n) => `${what}: ${n} is in ${source} but missing from export-format.ts`),
    ...declared.filter((n) => !documented.includes(n)).map((n) => `${what}: ${n} is in export-format.ts but not in ${source}`),
  ];
}

const samples = sampleFiles();
const parsed = withTypes(documentedFiles(DOCUMENT), samples);
const documented = parsed.files;
const documentedFile = (kind: string) => documented.find((f) => f.kind === kind);

describe('reading EXPORT_FORMAT.md', () => {
  // Guards the reader itself: a document it cannot read would otherwise "agree" with anything.
  it('finds every file with columns, and a type for every column', () => {
    expect(documented.length).toBeGreaterThanOrEqual(8);
    for (const f of documented) expect(f.columns.length, `columns of ${f.kind}`).toBeGreaterThan(2);
    expect(parsed.untyped, 'columns whose type neither the document nor the sample batch shows').toEqual([]);
  });
});

describe('export-format.ts against EXPORT_FORMAT.md', () => {
  it('declares the same files, as reference data or events', () => {
    expect([
      ...listDifferences('reference file', documented.filter((f) => f.section === 'reference').map((f) => f.kind), REFERENCE_KINDS),
      ...listDifferences('event file', documented.filter((f) => f.section === 'events').map((f) => f.kind), EVENT_KINDS),
    ]).toEqual([]);
  });

  it('declares the same key for each file', () => {
    const problems = FILE_KINDS.flatMap((kind) => {
      const doc = documentedFile(kind);
      const declared = EXPORT_FILES[kind].key;
      return doc && doc.key.join(',') !== declared.join(',')
        ? [`${kind}: the document's key is (${doc.key.join(', ')}), export-format.ts says (${declared.join(', ')})`]
        : [];
    });
    expect(problems).toEqual([]);
  });

  it('declares the same columns for each file, in the document order', () => {
    const problems = FILE_KINDS.flatMap((kind) => {
      const doc = documentedFile(kind);
      if (!doc) return [];
      const documentedNames = doc.columns.map((c) => c.name);
      const declaredNames = EXPORT_FILES[kind].columns.map((c) => c.name);
      const differences = listDifferences(`${kind} column`, documentedNames, declaredNames);
      if (differences.length === 0 && documentedNames.join(',') !== declaredNames.join(','))
        differences.push(`${kind}: columns are in the order ${declaredNames.join(', ')}; the document has ${documentedNames.join(', ')}`);
      return differences;
    });
    expect(problems).toEqual([]);
  });

  it('gives each column the type, bounds and allowed values (in the document order) the document states', () => {
    const problems = FILE_KINDS.flatMap((kind) =>
      EXPORT_FILES[kind].columns.flatMap((declared) => {
        const doc = documentedFile(kind)?.columns.find((c) => c.name === declared.name);
        if (!doc?.value || describeValue(doc.value) === describeValue(declared.value)) return [];
        return [`${kind}.${declared.name}: the document says ${describeValue(doc.value)}, export-format.ts says ${describeValue(declared.value)}`];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('lets exactly the columns the document says "or empty" of be empty', () => {
    const problems = FILE_KINDS.flatMap((kind) =>
      EXPORT_FILES[kind].columns.flatMap((declared) => {
        const doc = documentedFile(kind)?.columns.find((c) => c.name === declared.name);
        if (!doc || doc.required === declared.required) return [];
        return [`${kind}.${declared.name}: the document makes it ${doc.required ? 'required' : 'optional'}, export-format.ts ${declared.required ? 'required' : 'optional'}`];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('allows the file name extensions the document names, and its part-file names', () => {
    expect(listDifferences('file format', documentedFormats(DOCUMENT), FILE_FORMATS)).toEqual([]);
    for (const example of DOCUMENT.matchAll(/`([a-z_]+\.part-\d+\.[a-z.]+)`/g)) expect(parseFileName(example[1]!), example[1]).not.toBeNull();
  });
});

describe('export-format.ts against the sample batch', () => {
  it('has exactly the columns of each sample file', () => {
    const problems = Object.entries(samples).flatMap(([kind, [header]]) =>
      FILE_KINDS.includes(kind as FileKind)
        ? listDifferences(`${kind} column`, header ?? [], columnNames(kind as FileKind), `sample-batch/${kind}.csv`)
        : [`sample-batch/${kind}.csv is not a file export-format.ts declares`],
    );
    expect(problems).toEqual([]);
  });
});
