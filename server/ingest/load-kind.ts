/**
 * Loads every delivered file of one kind (e.g. all usage_events part files of a batch) in two
 * steps: `readKind`, before the batch's transaction, reads and checks the files in one pass into
 * TEMP tables; `loadKind`, inside it, checks references, pseudonymises, classifies, writes and
 * quarantines.
 *
 * Speed comes from touching the millions of ordinary rows as few times as possible:
 *   1. `chk`: the files are read and checked in a single pass (one multi-file read_csv);
 *   2. each distinct NHS number is hashed once and given a patient_id (`known_nhs`);
 *   3. only the few *exceptional* rows — a key repeated in the delivery or already stored, or a
 *      patient with an objection — are copied out (`exc`) and classified one by one;
 *   4. every other valid row is new and goes into its table in one INSERT … SELECT.
 * All heavy lifting is set-based SQL on DuckDB, but for the hashing that finds each patient (2.),
 * which JavaScript does faster (pseudonym-keys.ts); otherwise JavaScript only orchestrates.
 */
import { DOUBLE, DuckDBDataChunk, UINTEGER, type DuckDBAppender, type DuckDBConnection, type DuckDBDoubleVector, type DuckDBUIntegerVector } from '@duckdb/node-api';
import { SCOPE_COLUMN, isEventKind, type EventKind, type FileKind } from '../contract/export-format.js';
import type { BatchFile } from './discover.js';
import { sqlLiteral } from '../store/sql-literal.js';
import { FILE_SPECS, type ColumnSpec } from './import-rules.js';
import { RefusedError } from './errors.js';
import { faultPoint } from '../store/faults.js';
import { hmacSql, type PseudonymKey } from './pseudonymise.js';
import { hmacStates, KEY_WORDS, pseudonymKeyWordsParallel } from './pseudonym-keys.js';
import { describeError } from '../store/redact.js';
import { plainCopies } from './decompress.js';
import { dropStaged, hasRejectedLines, stageFiles, type Staged } from './stage.js';
import { checkedRowsSql, FAILURE, failedRowsSql, ident, laterFailure, NHS_DIGITS, NHS_VALUE, nhsDigitsOf, referenceCheckStatements, typedValue, VALID_ROW } from './validation-sql.js';

export interface FileCounts {
  rowsIn: number;
  loaded: number;
  duplicates: number;
  quarantined: number;
  withheld: number;
  /** Stored events removed because an objection in this file now covers them. */
  purged: number;
}

export interface KindResult {
  /** Counts per file, in the order the files were given. */
  files: FileCounts[];
  /** Milliseconds per step, so the benchmark can say where the time goes. */
  steps: Record<string, number>;
}

export interface LoadContext {
  batchId: string;
  key: PseudonymKey;
  nowIso: string;
}

/** A contract column's name in its table: the NHS number is stored only as the patient_id. */
const storedName = (kind: FileKind, column: string): string =>
  FILE_SPECS[kind].columns.find((c) => c.name === column)?.rule.type === 'nhs_number' ? 'patient_id' : column;

/** A table's stored columns (besides batch_id), in table order. */
const storedColumns = (kind: FileKind): string[] => FILE_SPECS[kind].columns.map((c) => storedName(kind, c.name));

/** A table's key columns. */
const keyColumns = (kind: FileKind): string[] => FILE_SPECS[kind].key.map((c) => storedName(kind, c));

/**
 * A row's key as one value over the checked rows `c`, before patient ids exist: a patient is
 * identified by the NHS number itself, and the programme-costs key is joined with a separator
 * neither an organisation code nor a category can contain.
 */
const CHECKED_KEY: Record<FileKind, string> = {
  organisations: 'c.org_code',
  campaigns: 'c.campaign_code',
  programme_costs: `c.org_code || '|' || CAST(c."period_start__v" AS VARCHAR) || '|' || CAST(c."category__v" AS VARCHAR)`,
  patients: `c.${NHS_VALUE}`,
  enrolment_events: 'c.event_id',
  usage_events: 'c.event_id',
  record_feeds: 'c.event_id',
  consent_events: 'c.event_id',
};

/**
 * A row's key hashed to 64 bits, over the checked rows `c`. For events it is computed in the
 * reading pass (column key_hash), where hashing runs in parallel with the parse.
 */
const keyHash = (kind: FileKind): string => (isEventKind(kind) ? 'c.key_hash' : `hash(${CHECKED_KEY[kind]})`);

const hasNhsNumber = (kind: FileKind) => FILE_SPECS[kind].columns.some((c) => c.rule.type === 'nhs_number');
const sameRow = (a: string, b: string, columns: readonly string[]) =>
  columns.map((c) => `${a}.${ident(c)} IS NOT DISTINCT FROM ${b}.${ident(c)}`).join(' AND ');
const _keyMatch = (a: string, b: string, columns: readonly string[]) => columns.map((c) => `${a}.${ident(c)} = ${b}.${ident(c)}`).join(' AND ');
/** The row's line in its file: given by the reader, or recovered from its position (header = line 1). */
const lineOf = (hasLines: boolean) => (hasLines ? 'coalesce(c.line, c.rowid - f.first_rowid + 2)' : 'c.rowid - f.first_rowid + 2');

/** A checked row's stored values (from `c`, joined to known_nhs `b` when it names a patient). */
function typedColumns(kind: FileKind): string {
  return FILE_SPECS[kind].columns
    .filter((c) => c.rule.type !== 'nhs_number')
    .map((c: ColumnSpec) => `c.${typedValue(c)} AS ${ident(c.name)}`)
    .concat(hasNhsNumber(kind) ? ['b.patient_id'] : [])
    .join(', ');
}

/**
 * The valid checked rows with their stored values; `withLine` joins what recovers each row's line
 * (only worth it for the few exceptional rows, which `where` then picks out).
 */
function validRows(kind: FileKind, extraColumns: string, where = 'TRUE', withLine = false): string {
  const patients = hasNhsNumber(kind) ? `JOIN known_nhs b ON b.nhs = c.${NHS_VALUE}` : '';
  if (!withLine) return `SELECT ${extraColumns}${typedColumns(kind)} FROM chk c ${patients} WHERE c.${VALID_ROW} AND (${where})`;
  // The few rows are picked out before anything is joined to them: left to itself, DuckDB joins
  // the patients of all the delivery's millions of rows first, then filters.
  return `WITH picked AS MATERIALIZED (SELECT rowid AS rowid, * FROM chk c WHERE c.${VALID_ROW} AND (${where}))
    SELECT ${extraColumns}${typedColumns(kind)} FROM picked c JOIN file_rows f ON f.file_no = c.file_no ${patients}`;
}

/**
 * Pass 1: read every file of the kind and check every row, into TEMP table `chk`, with `file_rows`
 * (where each file's rows start) and `stg_malformed` (CSV lines that did not parse). The files are
 * read straight from disk; if some CSV lines do not parse, the files are staged one by one with
 * those lines set aside (the slow path, for broken deliveries only).
 */
async function readAndCheck(conn: DuckDBConnection, files: BatchFile[], ctx: LoadContext): Promise<{ hasLines: boolean }> {
  const spec = FILE_SPECS[files[0]!.kind];
  const extra = isEventKind(spec.kind) ? ['hash(event_id) AS key_hash'] : [];
  // A plain CSV read directly has no line column to keep: its lines come from row positions.
  const check = (staged: Staged) =>
    conn.run(`CREATE OR REPLACE TEMP TABLE chk AS ${checkedRowsSql(spec, staged.source, ctx.nowIso, extra, staged.hasLines)}`);
  let staged: Staged | undefined;
  try {
    // Lines are recovered from row order, so the order must be kept whatever ran before on this connection.
    await conn.run(`SET SESSION preserve_insertion_order = true`);
    staged = await stageFiles(conn, files, 'direct');
    await check(staged);
    if (await hasRejectedLines(conn, staged)) {
      await dropStaged(conn, staged);
      staged = await stageFiles(conn, files, 'careful');
      await check(staged);
    }
    await conn.run(`CREATE OR REPLACE TEMP TABLE file_rows AS SELECT file_no, min(rowid) AS first_rowid, count(*) AS row_count FROM chk GROUP BY file_no`);
    return { hasLines: staged.hasLines };
  } catch (err) {
    if (err instanceof RefusedError) throw err;
    const names = files.map((f) => f.fileName).join(', ');
    throw new RefusedError(`${names} cannot be read: ${describeError(err)}. Nothing from this batch was loaded.`);
  } finally {
    // stg_malformed is kept (it is a result); the per-file staging tables are not.
    await dropStaged(conn, staged && { ...staged, temps: staged.temps.filter((t) => t !== 'stg_malformed') });
  }
}

/**
 * Organisation and campaign references are checked against the store as this batch's transaction
 * sees it, so that codes delivered earlier in the same batch count as known.
 */
async function checkReferences(conn: DuckDBConnection, kind: FileKind, ctx: LoadContext): Promise<void> {
  for (const { unknownValues, mark } of referenceCheckStatements(FILE_SPECS[kind], 'chk', ctx.nowIso)) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE unknown_values AS ${unknownValues}`);
    const unknown = await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM unknown_values`);
    if (Number(unknown.getRows()[0]![0]) > 0) await conn.run(mark);
  }
}

/** Rows per chunk handed to DuckDB's appender (its vector size). */
const APPEND_CHUNK = 2048;
/**
 * NHS numbers hashed at a time: a first national load has tens of millions, and memory stays
 * bounded. An object so that a spec can make slices small.
 */
export const KEY_SLICE = { numbers: 1_000_000 };

/** Appends each number of `numbers` with its key words (from `keys`) to the appender's table. */
function appendKeyWords(appender: DuckDBAppender, numbers: Float64Array, keys: Uint32Array): void {
  for (let from = 0; from < numbers.length; from += APPEND_CHUNK) {
    const size = Math.min(APPEND_CHUNK, numbers.length - from);
    const chunk = DuckDBDataChunk.create([DOUBLE, UINTEGER, UINTEGER, UINTEGER, UINTEGER], size);
    const nhs = chunk.getColumnVector(0) as DuckDBDoubleVector;
    for (let i = 0; i < size; i++) nhs.setItem(i, numbers[from + i]!);
    nhs.flush();
    for (let word = 0; word < KEY_WORDS; word++) {
      const vector = chunk.getColumnVector(1 + word) as DuckDBUIntegerVector;
      for (let i = 0; i < size; i++) vector.setItem(i, keys[(from + i) * KEY_WORDS + word]!);
      vector.flush();
    }
    appender.appendDataChunk(chunk);
  }
}

/**
 * TEMP table new_ids: every NHS number of the valid rows not yet hashed in this import run, with
 * its lookup key (key_high, key_low). The keys are computed in JavaScript (pseudonym-keys.ts): the
 * numbers come out as doubles (exact below 2⁵³) and the keys go back as 32-bit words through the
 * appender, because those are the vector types the client reads and writes without a BigInt per
 * value. The numbers exist only in this process's memory on the way, a slice at a time.
 */
async function keyNewNumbers(conn: DuckDBConnection, ctx: LoadContext): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE new_numbers AS
      SELECT d.nhs FROM (SELECT DISTINCT ${NHS_VALUE} AS nhs FROM chk WHERE ${VALID_ROW}) d ANTI JOIN known_nhs b ON b.nhs = d.nhs;
    CREATE OR REPLACE TEMP TABLE new_key_words (nhs DOUBLE, w0 UINTEGER, w1 UINTEGER, w2 UINTEGER, w3 UINTEGER);`);
  const total = Number((await conn.runAndReadAll(`SELECT count(*) FROM new_numbers`)).getRows()[0]![0]);
  const states = hmacStates(ctx.key);
  // Slices by value (each number in exactly one, whatever order a scan gives), not by row position.
  const slices = Math.ceil(total / KEY_SLICE.numbers);
  for (let slice = 0; slice < slices; slice++) {
    const result = await conn.run(`SELECT nhs::DOUBLE FROM new_numbers WHERE nhs % ${slices} = ${slice}`);
    const numbers = new Float64Array(result.rowCount);
    let count = 0;
    for (let c = 0; c < result.chunkCount; c++) {
      const vector = result.getChunk(c).getColumnVector(0) as DuckDBDoubleVector;
      for (let i = 0; i < vector.itemCount; i++) numbers[count++] = vector.getItem(i)!;
    }
    const keys = await pseudonymKeyWordsParallel(states, numbers);
    const appender = await conn.createAppender('new_key_words', 'main', 'temp');
    try {
      appendKeyWords(appender, numbers, keys);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE new_ids AS
      SELECT nhs::UBIGINT AS nhs, (w0::UBIGINT << 32) | w1 AS key_high, (w2::UBIGINT << 32) | w3 AS key_low FROM new_key_words;
    DROP TABLE new_numbers; DROP TABLE new_key_words;`);
}

/**
 * Every patient referenced by the valid rows gets a patient_id. Each distinct NHS number is hashed
 * once per import run: `known_nhs` remembers the ones already hashed (see importBatch); a
 * pseudonym the store has not seen before becomes a new patient.
 */
async function assignPatientIds(conn: DuckDBConnection, ctx: LoadContext, kind: FileKind): Promise<void> {
  // A patients file writes whole rows for its new patients itself (writeNewRows), so they are not
  // first inserted empty here only to be replaced; their pseudonyms wait in fresh_patients.
  const createRows =
    kind === 'patients'
      ? `CREATE OR REPLACE TEMP TABLE fresh_patients AS SELECT patient_id, pseudonym FROM fresh_ids;`
      : `INSERT INTO patients (patient_id, pseudonym, batch_id) SELECT patient_id, pseudonym, ${sqlLiteral(ctx.batchId)} FROM fresh_ids;`;
  await keyNewNumbers(conn, ctx);
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE known_ids AS
      SELECT n.nhs, k.patient_id FROM new_ids n JOIN patient_keys k ON k.key_high = n.key_high AND k.key_low = n.key_low;
    -- Only a patient the store has not seen needs the whole pseudonym (hashed in SQL: they are few).
    CREATE OR REPLACE TEMP TABLE fresh_ids AS
      SELECT n.*, ${hmacSql(ctx.key, nhsDigitsOf('n.nhs'))} AS pseudonym,
        (SELECT coalesce(max(patient_id), 0) FROM patient_keys) + row_number() OVER (ORDER BY n.key_high, n.key_low) AS patient_id
      FROM new_ids n ANTI JOIN known_ids k ON k.nhs = n.nhs;
    ${createRows}
    INSERT INTO patient_keys SELECT key_high, key_low, patient_id FROM fresh_ids;
    -- A new patient has a rollup_patient row even if none of their rows is loaded (a conflict).
    INSERT INTO rollup_pending (patient_id, source, occurred_at) SELECT patient_id, 'patients', NULL FROM fresh_ids;
    INSERT INTO known_nhs SELECT nhs, patient_id FROM known_ids UNION ALL SELECT nhs, patient_id FROM fresh_ids;
    DROP TABLE new_ids; DROP TABLE known_ids; DROP TABLE fresh_ids;`);
}

/**
 * The organisation hierarchy (practice → CCG → ICB; trust / community → ICB) is checked against
 * the store and this delivery together, because a new CCG and its practices arrive in one file.
 */
async function checkOrganisationParents(conn: DuckDBConnection): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE org_rows AS ${validRows('organisations', 'c.rowid AS r, ')};
    CREATE OR REPLACE TEMP TABLE org_view AS
      SELECT org_code, org_type FROM org_rows
      UNION ALL SELECT org_code, org_type FROM organisations WHERE org_code NOT IN (SELECT org_code FROM org_rows);
    UPDATE chk SET ${FAILURE} = ${laterFailure('unknown_org', 'v.problem')}
    FROM (
      SELECT t.r,
        CASE
          WHEN t.org_type = 'icb' AND t.parent_code IS NOT NULL THEN 'parent_code must be empty for an ICB'
          WHEN t.org_type <> 'icb' AND t.parent_code IS NULL THEN 'parent_code is required for a ' || t.org_type
          WHEN t.org_type <> 'icb' AND p.org_code IS NULL THEN 'parent_code is not a known organisation'
          WHEN t.org_type = 'practice' AND p.org_type <> 'ccg' THEN 'parent_code of a practice must be a CCG'
          WHEN t.org_type IN ('ccg', 'trust', 'community') AND p.org_type <> 'icb' THEN 'parent_code of a ' || t.org_type || ' must be an ICB'
        END AS problem
      FROM org_rows t LEFT JOIN (SELECT DISTINCT ON (org_code) * FROM org_view) p ON p.org_code = t.parent_code
    ) v
    WHERE chk.rowid = v.r AND v.problem IS NOT NULL;
    DROP TABLE org_rows; DROP TABLE org_view;`);
}

/**
 * Contract rule 5 as a predicate: episode `o` covers event `row` when the patient objected to the
 * row's organisation (or to everything) and the row happened before the objection was withdrawn.
 */
const episodeCovers = (o: string, row: string, scopeColumn: string) =>
  `${o}.patient_id = ${row}.patient_id AND (${o}.scope = '*' OR ${o}.scope = ${row}.${ident(scopeColumn)}) ` +
  `AND (${o}.withdrawn_at IS NULL OR ${row}.occurred_at < ${o}.withdrawn_at)`;

const scopeOf = (kind: FileKind): string | undefined => (isEventKind(kind) ? SCOPE_COLUMN[kind] : undefined);

/**
 * Which stored events could share a key with the delivery: those whose event_id lies between the
 * delivery's smallest and largest. Platforms number events in sequence, so for a new delivery the
 * stored table's zone maps usually rule out every row group; null when no stored event is in range.
 */
interface StoredKeyFilter {
  where: string;
  params: string[];
}

async function storedKeyFilter(conn: DuckDBConnection, kind: EventKind): Promise<StoredKeyFilter | null> {
  const range = await conn.runAndReadAll(`SELECT min(event_id), max(event_id) FROM chk WHERE ${VALID_ROW}`);
  const [low, high] = range.getRows()[0]!;
  if (low === null || high === null) return null;
  const params = [String(low), String(high)];
  const where = 'event_id BETWEEN $1 AND $2';
  const inRange = await conn.runAndReadAll(`SELECT count(*) > 0 FROM ${ident(kind)} WHERE ${where}`, params);
  return inRange.getRows()[0]![0] === true ? { where, params } : null;
}

/**
 * The exceptional rows, copied out of chk with their line: a key that occurs more than once in the
 * delivery or (for events) is already stored, or a patient with any objection episode. Every
 * other valid row is plainly new. Keys are matched by their 64-bit hash (grouping and joining
 * integers is far cheaper than text); a row that only shares a hash is classified exactly, and new.
 */
async function findExceptions(conn: DuckDBConnection, kind: FileKind, hasLines: boolean): Promise<StoredKeyFilter | null> {
  const stored = isEventKind(kind) ? await storedKeyFilter(conn, kind) : null;
  const storedKeys = stored ? `UNION SELECT hash(event_id) FROM ${ident(kind)} WHERE ${stored.where} AND hash(event_id) IN (SELECT key_hash FROM chk WHERE ${VALID_ROW})` : '';
  // A patient's rows are exceptional through their keys too, so that exc is picked out by one
  // semi-join on the key hash, which DuckDB applies before joining the patients in.
  const objectingKeys = scopeOf(kind)
    ? `UNION SELECT ${keyHash(kind)} FROM chk c WHERE c.${VALID_ROW}
         AND c.${NHS_VALUE} IN (SELECT nhs FROM known_nhs WHERE patient_id IN (SELECT patient_id FROM objection_episodes))`
    : '';
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE exceptional_hashes AS
      SELECT h FROM (SELECT ${keyHash(kind)} AS h FROM chk c WHERE c.${VALID_ROW}) GROUP BY h HAVING count(*) > 1
      ${storedKeys}
      ${objectingKeys}`,
    stored?.params,
  );
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE exc AS
      ${validRows(kind, `c.rowid AS r, c.file_no, ${lineOf(hasLines)} AS line, ${hasNhsNumber(kind) ? `c.${NHS_VALUE}, ` : ''}`,
        `${keyHash(kind)} IN (SELECT h FROM exceptional_hashes)`, true)};
    DROP TABLE exceptional_hashes;`);
  return stored;
}

/**
 * new / duplicate / conflict / withheld for each exceptional row. Events are compared with what the
 * store holds (same event_id and content = duplicate; different content = conflict) in the range
 * of `stored` (see storedKeyFilter: none when no stored event is in the delivery's range); within
 * the delivery the first occurrence of a key wins and later ones are duplicates or conflicts.
 * Reference rows are snapshots: a row for a known key is an update, not a conflict.
 */
async function classifyExceptions(conn: DuckDBConnection, kind: FileKind, files: BatchFile[], stored: StoredKeyFilter | null): Promise<void> {
  const keys = keyColumns(kind);
  const content = storedColumns(kind);
  const keyList = keys.map(ident).join(', ');
  const window = `OVER (PARTITION BY ${keyList} ORDER BY file_no, r)`;
  const contentHash = `hash(${content.map(ident).join(', ')})`;
  const names = `[${files.map((f) => sqlLiteral(f.fileName)).join(', ')}]`;
  const ranked = `
    SELECT e.*, row_number() ${window} AS rn, ${contentHash} AS content_hash,
      first_value(${contentHash}) ${window} AS first_hash, first_value(line) ${window} AS first_line,
      first_value(file_no) ${window} AS first_file
    FROM exc e`;
  const inDelivery = {
    cases: `WHEN q.rn > 1 AND q.content_hash = q.first_hash THEN 'duplicate' WHEN q.rn > 1 THEN 'conflict'`,
    reason:
      `${sqlLiteral(`${keys.join(', ')} appears earlier in this `)} || CASE WHEN q.first_file = q.file_no THEN 'file' ` +
      `ELSE 'batch (' || ${names}[q.first_file + 1] || ')' END || ' with different content (line ' || q.first_line || ')'`,
  };
  // Only events are compared with the store (reference rows for a known key are updates), and
  // only when some stored event lies in the delivery's range: else none can share a key with it,
  // and the stored table (tens of millions of rows) is not scanned at all.
  const compared = stored
    ? {
        join: `LEFT JOIN (SELECT ${content.map(ident).join(', ')}, batch_id FROM ${ident(kind)}
                 WHERE ${stored.where} AND event_id IN (SELECT event_id FROM exc)) x ON x.event_id = q.event_id`,
        cases: `WHEN x.event_id IS NOT NULL AND ${sameRow('q', 'x', content)} THEN 'duplicate' WHEN x.event_id IS NOT NULL THEN 'conflict'`,
        reason: `CASE WHEN x.event_id IS NOT NULL THEN 'event_id was already loaded with different content (batch ' || x.batch_id || ')' ELSE ${inDelivery.reason} END`,
      }
    : { join: '', cases: '', reason: inDelivery.reason };
  const scope = scopeOf(kind);
  // A join on patient_id (episodes are few) rather than a correlated EXISTS, which DuckDB cannot
  // turn into a hash join because of the OR.
  const covered = scope ? `SELECT DISTINCT e.r FROM exc e JOIN objection_episodes o ON ${episodeCovers('o', 'e', scope)}` : null;
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE classified_exc AS
    SELECT q.*,
      CASE ${compared.cases} ${inDelivery.cases}
        ${covered ? `WHEN w.r IS NOT NULL THEN 'withheld'` : ''}
        ELSE 'new'
      END AS outcome,
      ${compared.reason} AS conflict_reason
    FROM (${ranked}) q ${compared.join}
    ${covered ? `LEFT JOIN (${covered}) w ON w.r = q.r` : ''}`,
    stored?.params,
  );
  // Every row with its outcome: the plainly new ones straight from chk, the exceptional ones as classified.
  const columns = [...FILE_SPECS[kind].columns.filter((c) => c.rule.type !== 'nhs_number').map((c) => ident(c.name)), ...(hasNhsNumber(kind) ? ['patient_id'] : [])];
  await conn.run(`
    CREATE OR REPLACE TEMP VIEW classified AS
      SELECT ${columns.join(', ')}, 'new' AS outcome FROM (${plainlyNewRows(kind)})
      UNION ALL SELECT ${columns.join(', ')}, outcome FROM classified_exc`);
}

/** Valid rows that are not exceptional: new without further ado. */
const plainlyNewRows = (kind: FileKind): string => validRows(kind, '', 'c.rowid NOT IN (SELECT r FROM exc)');

async function writeNewRows(conn: DuckDBConnection, kind: FileKind, ctx: LoadContext): Promise<void> {
  const columns = storedColumns(kind);
  const list = columns.map(ident).join(', ');
  const batch = sqlLiteral(ctx.batchId);
  if (isEventKind(kind)) {
    // Stored events have no order, and keeping the join's output in file order would make DuckDB
    // append on a single thread: this connection lets go of insertion order for this one insert.
    await conn.run(`SET SESSION preserve_insertion_order = false`);
    try {
      await conn.run(`INSERT INTO ${ident(kind)} (${list}, batch_id) SELECT ${list}, ${batch} FROM (${plainlyNewRows(kind)})`);
      // What the next rollup refresh recomputes (server/metrics/rollups.ts): the patients and days touched.
      // A usage event's id too: the usage rollups are maintained by difference, from the events before.
      const eventId = kind === 'usage_events' ? 'event_id' : 'NULL';
      await conn.run(
        `INSERT INTO rollup_pending (patient_id, source, occurred_at, event_id) SELECT patient_id, ${sqlLiteral(kind)}, occurred_at, ${eventId} FROM classified WHERE outcome = 'new'`,
      );
    } finally {
      // Never mask the insert's own error; readAndCheck sets the order back on before it relies on it.
      await conn.run(`RESET SESSION preserve_insertion_order`).catch(() => undefined);
    }
    await conn.run(`INSERT INTO ${ident(kind)} (${list}, batch_id) SELECT ${list}, ${batch} FROM classified_exc WHERE outcome = 'new'`);
    return;
  }
  const keys = keyColumns(kind);
  // Only rows that differ from what is stored are written, so an identical snapshot changes nothing.
  const changed = `SELECT ${list} FROM classified c WHERE outcome = 'new' AND NOT EXISTS (SELECT 1 FROM ${ident(kind)} s WHERE ${sameRow('c', 's', columns)})`;
  if (kind === 'patients') {
    // Replace changed rows (delete + insert) rather than UPDATE: at millions of patients DuckDB's
    // bulk delete and append are an order of magnitude faster than an update of the same rows.
    const attributes = columns.filter((c) => c !== 'patient_id');
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE changed_patients AS
        SELECT c.*, coalesce(p.pseudonym, f.pseudonym) AS pseudonym FROM (${changed}) c
        LEFT JOIN patients p ON p.patient_id = c.patient_id LEFT JOIN fresh_patients f ON f.patient_id = c.patient_id;
      INSERT INTO rollup_pending (patient_id, source, occurred_at) SELECT patient_id, 'patients', NULL FROM changed_patients;
      DELETE FROM patients WHERE patient_id IN (SELECT patient_id FROM changed_patients);
      INSERT INTO patients (patient_id, pseudonym, ${attributes.map(ident).join(', ')}, batch_id)
        SELECT patient_id, pseudonym, ${attributes.map(ident).join(', ')}, ${batch} FROM changed_patients;
      DROP TABLE changed_patients; DROP TABLE fresh_patients;`);
    return;
  }
  const updates = columns.filter((c) => !keys.includes(c)).map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ');
  const written = await conn.run(
    `INSERT INTO ${ident(kind)} (${list}, batch_id) SELECT *, ${batch} FROM (${changed}) ON CONFLICT (${keys.map(ident).join(', ')}) DO UPDATE SET ${updates}, batch_id = excluded.batch_id`,
  );
  // The organisation tree shapes every rollup (practice → CCG, which orgs are trusts): the next
  // refresh rebuilds them all. Campaigns and costs are read by no rollup.
  if (kind === 'organisations' && Number(written.rowsChanged) > 0) {
    await conn.run(`INSERT INTO rollup_pending (patient_id, source, occurred_at) VALUES (NULL, 'organisations', NULL)`);
  }
}

/**
 * The row as JSON for the quarantine, with the NHS number replaced by a mask or its pseudonym.
 * `raw` gives a column's delivered text where the row still has it; a valid row keeps only the
 * cast value of a cast column, which is then shown instead.
 */
function maskedRecord(kind: FileKind, ctx: LoadContext, row: 'checked' | 'typed'): string {
  const fields = FILE_SPECS[kind].columns.map((c) => {
    const name = sqlLiteral(c.name);
    if (c.rule.type === 'nhs_number') {
      const pseudonym = `'pseudonym:' || ${hmacSql(ctx.key, nhsDigitsOf(NHS_VALUE))}`;
      if (row === 'typed') return `${name}: ${pseudonym}`;
      // A valid number has its value; an invalid one keeps its digits (failed rows only) to be masked.
      return `${name}: CASE WHEN ${NHS_VALUE} IS NOT NULL THEN ${pseudonym} WHEN ${NHS_DIGITS} IS NULL THEN NULL ELSE 'masked' END`;
    }
    const cast = typedValue(c);
    if (row === 'typed') return `${name}: CAST(${ident(c.name)} AS VARCHAR)`;
    return `${name}: ${cast === ident(c.name) ? cast : `coalesce(${ident(c.name)}, CAST(${cast} AS VARCHAR))`}`;
  });
  return `CAST(to_json({${fields.join(', ')}}) AS VARCHAR)`;
}

async function quarantine(conn: DuckDBConnection, files: BatchFile[], ctx: LoadContext, hasLines: boolean): Promise<void> {
  const kind = files[0]!.kind;
  const names = `[${files.map((f) => sqlLiteral(f.fileName)).join(', ')}]`;
  const head = (fileNo: string) => `${sqlLiteral(ctx.batchId)}, ${names}[${fileNo} + 1], ${sqlLiteral(kind)}`;
  const eventId = isEventKind(kind) ? ident('event_id') : 'NULL';
  await conn.run(`
    INSERT INTO quarantine
      SELECT ${head('c.file_no')}, ${lineOf(hasLines)}, ${eventId}, reason_code, reason, ${maskedRecord(kind, ctx, 'checked')}, now()
        FROM (${failedRowsSql(FILE_SPECS[kind], 'chk')}) c JOIN file_rows f USING (file_no)
      UNION ALL
      SELECT ${head('file_no')}, line, ${eventId}, ${sqlLiteral(isEventKind(kind) ? 'conflict' : 'duplicate_key')}, conflict_reason,
             ${maskedRecord(kind, ctx, 'typed')}, now()
        FROM classified_exc WHERE outcome = 'conflict'
      UNION ALL
      SELECT ${head('file_no')}, line, NULL, 'malformed_row', reason, regexp_replace(record, '[0-9](?:[ -]?[0-9]){9,}', '***', 'g'), now() FROM stg_malformed`);
}

/** Rebuilds the objection episodes of patients whose objections changed, then purges what they cover. */
async function applyObjections(conn: DuckDBConnection): Promise<number> {
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE objecting AS
      SELECT DISTINCT patient_id FROM classified WHERE outcome = 'new' AND event_type IN ('objection_registered', 'objection_withdrawn');
    DELETE FROM objection_episodes WHERE patient_id IN (SELECT patient_id FROM objecting);
    INSERT INTO objection_episodes
      SELECT r.patient_id, r.org_code, r.occurred_at,
        (SELECT min(w.occurred_at) FROM consent_events w
          WHERE w.patient_id = r.patient_id AND w.org_code = r.org_code
            AND w.event_type = 'objection_withdrawn' AND w.occurred_at > r.occurred_at)
      FROM consent_events r
      WHERE r.event_type = 'objection_registered' AND r.patient_id IN (SELECT patient_id FROM objecting);`);
  let purged = 0;
  for (const table of Object.keys(SCOPE_COLUMN)) {
    // One pass over the table keyed on the integer patient_id (DELETE … USING), instead of
    // matching event_id text against the whole table.
    const covered = `${episodeCovers('o', 'e', SCOPE_COLUMN[table as EventKind]!)} AND o.patient_id IN (SELECT patient_id FROM objecting)`;
    // The purged events' patients and times, for the next rollup refresh (an event under two
    // episodes is listed twice, which changes nothing).
    await conn.run(`INSERT INTO rollup_pending (patient_id, source, occurred_at) SELECT e.patient_id, ${sqlLiteral(table)}, e.occurred_at FROM ${ident(table)} e JOIN objection_episodes o ON ${covered}`);
    // A purged usage event as it was: the next refresh counts it in the patient's usage before.
    if (table === 'usage_events') {
      await conn.run(`
        INSERT INTO rollup_pending_purged
        SELECT DISTINCT e.event_id, e.occurred_at, e.patient_id, e.org_code, e.event_type, e.platform
        FROM usage_events e JOIN objection_episodes o ON ${covered}`);
    }
    const result = await conn.run(`
      DELETE FROM ${ident(table)} e USING objection_episodes o WHERE ${covered}`);
    purged += Number(result.rowsChanged);
  }
  await conn.run(`DROP TABLE objecting`);
  return purged;
}

/** rows in = loaded + duplicates + quarantined + withheld, per file. */
async function countOutcomes(conn: DuckDBConnection, files: BatchFile[]): Promise<FileCounts[]> {
  const result = await conn.runAndReadAll(`
    WITH numbers AS (SELECT unnest(range(${files.length})) AS file_no),
    checked AS (SELECT file_no, count(*) AS rows, count(*) FILTER (NOT ${VALID_ROW}) AS failed FROM chk GROUP BY file_no),
    exceptional AS (
      SELECT file_no, count(*) AS rows,
        count(*) FILTER (outcome = 'new') AS new, count(*) FILTER (outcome = 'duplicate') AS duplicates,
        count(*) FILTER (outcome = 'conflict') AS conflicts, count(*) FILTER (outcome = 'withheld') AS withheld
      FROM classified_exc GROUP BY file_no),
    malformed AS (SELECT file_no, count(*) AS rows FROM stg_malformed GROUP BY file_no)
    SELECT n.file_no,
      (coalesce(c.rows, 0) + coalesce(m.rows, 0))::BIGINT AS rows_in,
      (coalesce(c.rows, 0) - coalesce(c.failed, 0) - coalesce(e.rows, 0) + coalesce(e.new, 0))::BIGINT AS loaded,
      coalesce(e.duplicates, 0)::BIGINT AS duplicates,
      (coalesce(c.failed, 0) + coalesce(e.conflicts, 0) + coalesce(m.rows, 0))::BIGINT AS quarantined,
      coalesce(e.withheld, 0)::BIGINT AS withheld
    FROM numbers n LEFT JOIN checked c USING (file_no) LEFT JOIN exceptional e USING (file_no) LEFT JOIN malformed m USING (file_no)
    ORDER BY n.file_no`);
  return result.getRows().map(([, rowsIn, loaded, duplicates, quarantined, withheld]) => ({
    rowsIn: Number(rowsIn),
    loaded: Number(loaded),
    duplicates: Number(duplicates),
    quarantined: Number(quarantined),
    withheld: Number(withheld),
    purged: 0,
  }));
}

export const KIND_TEMP_TABLES = ['chk', 'unknown_values', 'exceptional_hashes', 'file_rows', 'stg_malformed', 'exc', 'classified_exc', 'new_numbers', 'new_key_words', 'new_ids', 'known_ids', 'fresh_ids', 'fresh_patients', 'changed_patients', 'objecting', 'org_rows', 'org_view'];

/** The tables a read kind keeps until it is loaded, under the names the load uses. */
const READ_TABLES = ['chk', 'file_rows', 'stg_malformed'] as const;

/** One kind's files, read and checked, waiting in TEMP tables for the batch's transaction. */
export interface ReadKind {
  files: BatchFile[];
  /** Suffix of its tables' names while they wait (chk_<n>, …). */
  slot: number;
  /** Whether chk has a line column (else every line comes from the row's position). */
  hasLines: boolean;
  steps: Record<string, number>;
}

type Steps = Record<string, number>;

function stepTimer(steps: Steps) {
  return async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      steps[name] = (steps[name] ?? 0) + Math.round(performance.now() - started);
    }
  };
}

/**
 * Reads and checks all delivered files of one kind (same kind, in delivery order), before the
 * batch's transaction begins. Why before: DuckDB scans a table created inside a transaction on one
 * thread until the transaction commits, and every later step scans the checked rows, several
 * times; created outside, they are scanned in parallel. They are TEMP tables of this connection
 * (memory, never the store), so nothing about the batch's atomicity changes.
 */
export async function readKind(conn: DuckDBConnection, files: BatchFile[], ctx: LoadContext, slot: number): Promise<ReadKind> {
  const steps: Steps = {};
  const step = stepTimer(steps);
  // Gzipped files are inflated (and so checked whole) before anything is read; see decompress.ts.
  const plain = await step('decompress', () => plainCopies(files));
  let hasLines: boolean;
  try {
    ({ hasLines } = await step('read + validate', () => readAndCheck(conn, plain.files, ctx)));
    for (const table of READ_TABLES) await conn.run(`ALTER TABLE temp.${table} RENAME TO ${table}_${slot}`);
  } catch (err) {
    for (const table of READ_TABLES) await conn.run(`DROP TABLE IF EXISTS temp.${table}`);
    throw err;
  } finally {
    plain.remove();
  }
  return { files, slot, hasLines, steps };
}

/** Drops whatever a read kind left, loaded or not (after a rolled-back load its tables are back). */
export async function dropReadKind(conn: DuckDBConnection, read: ReadKind): Promise<void> {
  for (const table of READ_TABLES) await conn.run(`DROP TABLE IF EXISTS temp.${table}_${read.slot}`);
}

/** Loads one read kind inside the batch's transaction. */
export async function loadKind(conn: DuckDBConnection, read: ReadKind, ctx: LoadContext): Promise<KindResult> {
  const { files } = read;
  const kind = files[0]!.kind;
  const steps: Steps = { ...read.steps };
  const step = stepTimer(steps);
  let failed: unknown;
  try {
    // Renaming inside the transaction keeps the tables' committed storage (and parallel scans).
    for (const table of READ_TABLES) await conn.run(`ALTER TABLE temp.${table}_${read.slot} RENAME TO ${table}`);
    faultPoint('after-stage');
    await step('read + validate', () => checkReferences(conn, kind, ctx));
    if (hasNhsNumber(kind)) await step('pseudonymise', () => assignPatientIds(conn, ctx, kind));
    if (kind === 'organisations') await step('hierarchy', () => checkOrganisationParents(conn));
    await step('deduplicate', async () => {
      const stored = await findExceptions(conn, kind, read.hasLines);
      await classifyExceptions(conn, kind, files, stored);
    });
    await step('write', () => writeNewRows(conn, kind, ctx));
    await step('quarantine', () => quarantine(conn, files, ctx, read.hasLines));
    const purged = kind === 'consent_events' ? await step('objections', () => applyObjections(conn)) : 0;
    const counts = await countOutcomes(conn, files);
    // Purges are a consequence of the whole file set; they are reported against its first file.
    counts[0]!.purged = purged;
    return { files: counts, steps };
  } catch (err) {
    failed = err;
    throw err;
  } finally {
    try {
      await conn.run(`DROP VIEW IF EXISTS classified`);
      for (const table of KIND_TEMP_TABLES) await conn.run(`DROP TABLE IF EXISTS temp.${table}`);
    } catch (cleanupError) {
      // After a failure the transaction is aborted and rolls back, temp tables with it; the
      // failure is what the user must see, not the clean-up refused by the aborted transaction.
      // biome-ignore lint/correctness/noUnsafeFinally: a clean-up failure is reported only when nothing failed before it
      if (failed === undefined) throw cleanupError;
    }
  }
}
