/**
 * Loads one staged file into the store, inside the batch's transaction: validate every row,
 * pseudonymise, classify (new / duplicate / conflict / withheld), write, quarantine the rest.
 * All heavy lifting is set-based SQL on DuckDB; JavaScript only orchestrates.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { FILE_SPECS, SCOPE_COLUMN, isEventKind, type BatchFile, type ColumnSpec, type EventKind, type FileKind } from './contract.js';
import { hmacSql, type PseudonymKey } from './pseudonymise.js';
import { checkedRowsSql, ident, literal, NHS_DIGITS, NHS_VALID, typedValue } from './validation-sql.js';

export interface FileCounts {
  rowsIn: number;
  loaded: number;
  duplicates: number;
  quarantined: number;
  withheld: number;
  /** Stored events removed because an objection in this file now covers them. */
  purged: number;
  /** Milliseconds per step, so the benchmark can say where the time goes. */
  steps: Record<string, number>;
}

export interface LoadContext {
  batchId: string;
  key: PseudonymKey;
  nowIso: string;
}

/** Event tables' stored columns (besides batch_id), in table order; patient_id replaces nhs_number. */
const STORED_COLUMNS: Record<FileKind, readonly string[]> = {
  organisations: ['org_code', 'name', 'org_type', 'parent_code', 'eligible_population', 'go_live_date', 'target_uptake_pct'],
  campaigns: ['campaign_code', 'name', 'org_code', 'channel', 'start_date', 'end_date', 'cost_gbp'],
  programme_costs: ['org_code', 'period_start', 'period_end', 'category', 'amount_gbp'],
  patients: ['patient_id', 'practice_code', 'birth_year', 'sex', 'imd_decile'],
  enrolment_events: ['event_id', 'occurred_at', 'patient_id', 'practice_code', 'org_code', 'event_type', 'channel', 'campaign_code'],
  usage_events: ['event_id', 'occurred_at', 'patient_id', 'org_code', 'event_type', 'platform'],
  record_feeds: ['event_id', 'occurred_at', 'patient_id', 'source_org_code', 'record_type', 'item_count'],
  consent_events: ['event_id', 'occurred_at', 'patient_id', 'org_code', 'event_type'],
};

const KEY_COLUMNS: Record<FileKind, readonly string[]> = {
  organisations: ['org_code'],
  campaigns: ['campaign_code'],
  programme_costs: ['org_code', 'period_start', 'category'],
  patients: ['patient_id'],
  enrolment_events: ['event_id'],
  usage_events: ['event_id'],
  record_feeds: ['event_id'],
  consent_events: ['event_id'],
};

const hasNhsNumber = (kind: FileKind) => FILE_SPECS[kind].columns.some((c) => c.rule.type === 'nhs_number');
const sameRow = (a: string, b: string, columns: readonly string[]) =>
  columns.map((c) => `${a}.${ident(c)} IS NOT DISTINCT FROM ${b}.${ident(c)}`).join(' AND ');
const keyMatch = (a: string, b: string, columns: readonly string[]) => columns.map((c) => `${a}.${ident(c)} = ${b}.${ident(c)}`).join(' AND ');

/**
 * Every patient referenced by this file's valid rows gets a patient_id. Each distinct NHS number
 * is hashed once per batch (batch_ids remembers the ones already hashed); a pseudonym the store
 * has not seen before becomes a new patients row.
 */
async function assignPatientIds(conn: DuckDBConnection, ctx: LoadContext, kind: FileKind): Promise<void> {
  // A patients file writes whole rows for its new patients itself (writeNewRows), so they are not
  // first inserted empty here only to be replaced; their pseudonyms wait in fresh_patients.
  const createRows =
    kind === 'patients'
      ? `CREATE OR REPLACE TEMP TABLE fresh_patients AS SELECT patient_id, pseudonym FROM fresh_ids;`
      : `INSERT INTO patients (patient_id, pseudonym, batch_id) SELECT patient_id, pseudonym, ${literal(ctx.batchId)} FROM fresh_ids;`;
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE new_ids AS
      SELECT nhs, pseudonym, CAST(left(pseudonym, 32) AS UUID) AS pseudonym_key
      FROM (SELECT nhs, ${hmacSql(ctx.key, 'nhs')} AS pseudonym
            FROM (SELECT DISTINCT ${NHS_DIGITS} AS nhs FROM chk WHERE reason_code IS NULL) d
            WHERE NOT EXISTS (SELECT 1 FROM batch_ids b WHERE b.nhs = d.nhs));
    CREATE OR REPLACE TEMP TABLE known_ids AS
      SELECT n.nhs, k.patient_id FROM new_ids n JOIN patient_keys k ON k.pseudonym_key = n.pseudonym_key;
    CREATE OR REPLACE TEMP TABLE fresh_ids AS
      SELECT n.*, (SELECT coalesce(max(patient_id), 0) FROM patient_keys) + row_number() OVER (ORDER BY n.pseudonym_key) AS patient_id
      FROM new_ids n WHERE n.nhs NOT IN (SELECT nhs FROM known_ids);
    ${createRows}
    INSERT INTO patient_keys SELECT pseudonym_key, patient_id FROM fresh_ids;
    INSERT INTO batch_ids SELECT nhs, patient_id FROM known_ids UNION ALL SELECT nhs, patient_id FROM fresh_ids;
    DROP TABLE new_ids; DROP TABLE known_ids; DROP TABLE fresh_ids;`);
}

/** Valid rows with their stored types; the NHS number is replaced by patient_id here. */
async function buildTyped(conn: DuckDBConnection, kind: FileKind): Promise<void> {
  const columns = FILE_SPECS[kind].columns.filter((c) => c.rule.type !== 'nhs_number');
  const values = columns.map((c: ColumnSpec) => `${typedValue(c)} AS ${ident(c.name)}`).join(', ');
  if (hasNhsNumber(kind)) {
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE typed AS
        SELECT chk.line, ${values}, b.patient_id
        FROM chk JOIN batch_ids b ON b.nhs = chk.${NHS_DIGITS}
        WHERE chk.reason_code IS NULL`);
  } else {
    await conn.run(`CREATE OR REPLACE TEMP TABLE typed AS SELECT line, ${values} FROM chk WHERE reason_code IS NULL`);
  }
}

/**
 * The organisation hierarchy (practice → CCG → ICB; trust / community → ICB) is checked against
 * the store and this file together, because a new CCG and its practices arrive in one file.
 */
async function checkOrganisationParents(conn: DuckDBConnection): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE org_view AS
      SELECT org_code, org_type FROM typed
      UNION ALL SELECT org_code, org_type FROM organisations WHERE org_code NOT IN (SELECT org_code FROM typed);
    UPDATE chk SET reason_code = 'unknown_org', reason = v.problem
    FROM (
      SELECT t.line,
        CASE
          WHEN t.org_type = 'icb' AND t.parent_code IS NOT NULL THEN 'parent_code must be empty for an ICB'
          WHEN t.org_type <> 'icb' AND t.parent_code IS NULL THEN 'parent_code is required for a ' || t.org_type
          WHEN t.org_type <> 'icb' AND p.org_code IS NULL THEN 'parent_code is not a known organisation'
          WHEN t.org_type = 'practice' AND p.org_type <> 'ccg' THEN 'parent_code of a practice must be a CCG'
          WHEN t.org_type IN ('ccg', 'trust', 'community') AND p.org_type <> 'icb' THEN 'parent_code of a ' || t.org_type || ' must be an ICB'
        END AS problem
      FROM typed t LEFT JOIN (SELECT DISTINCT ON (org_code) * FROM org_view) p ON p.org_code = t.parent_code
    ) v
    WHERE chk.line = v.line AND v.problem IS NOT NULL;
    DELETE FROM typed WHERE line IN (SELECT line FROM chk WHERE reason_code IS NOT NULL);
    DROP TABLE org_view;`);
}

/**
 * Contract rule 5 as a predicate: episode `o` covers event `row` when the patient objected to the
 * row's organisation (or to everything) and the row happened before the objection was withdrawn.
 */
const episodeCovers = (o: string, row: string, scopeColumn: string) =>
  `${o}.patient_id = ${row}.patient_id AND (${o}.scope = '*' OR ${o}.scope = ${row}.${ident(scopeColumn)}) ` +
  `AND (${o}.withdrawn_at IS NULL OR ${row}.occurred_at < ${o}.withdrawn_at)`;

/**
 * Rows of `table` that an objection episode covers, as a join on patient_id (episodes are few)
 * rather than a correlated EXISTS, which DuckDB cannot turn into a hash join because of the OR.
 */
function coveredByObjection(kind: FileKind, table: string, idColumn: string): string | null {
  const scope = isEventKind(kind) ? SCOPE_COLUMN[kind] : undefined;
  if (!scope) return null;
  return `SELECT DISTINCT row.${ident(idColumn)} FROM ${table} row JOIN objection_episodes o ON ${episodeCovers('o', 'row', scope)}`;
}

/**
 * new / duplicate / conflict / withheld for every valid row. Events are compared with what the
 * store holds (same event_id and content = duplicate; different content = conflict); within the
 * file the first occurrence of a key wins and later ones are duplicates or conflicts.
 * Reference rows are snapshots: a row for a known key is an update, not a conflict.
 */
async function classify(conn: DuckDBConnection, kind: FileKind): Promise<void> {
  const keys = KEY_COLUMNS[kind];
  const content = STORED_COLUMNS[kind];
  const keyText = keys.join(', ');
  const covered = coveredByObjection(kind, 'typed', 'line');
  // Within the file, each row is compared with the first row of its key through window values
  // (a content hash), not a self-join. The window runs only over keys that occur more than once:
  // partitioning millions of distinct event_ids would cost more than all the checks together.
  const keyList = keys.map(ident).join(', ');
  const window = `OVER (PARTITION BY ${keyList} ORDER BY line)`;
  const contentHash = `hash(${content.map(ident).join(', ')})`;
  const ranked = `
    WITH repeated AS (SELECT ${keyList} FROM typed GROUP BY ${keyList} HAVING count(*) > 1),
    ranked_repeats AS (
      SELECT t.line, row_number() ${window} AS rn, ${contentHash} AS content_hash,
             first_value(${contentHash}) ${window} AS first_hash, first_value(t.line) ${window} AS first_line
      FROM typed t SEMI JOIN repeated ON ${keyMatch('t', 'repeated', keys)})
    SELECT t.*, coalesce(rr.rn, 1) AS rn, rr.content_hash, rr.first_hash, rr.first_line
    FROM typed t LEFT JOIN ranked_repeats rr ON rr.line = t.line`;
  const inFile = {
    cases: `WHEN r.rn > 1 AND r.content_hash = r.first_hash THEN 'duplicate' WHEN r.rn > 1 THEN 'conflict'`,
    reason: `${literal(`${keyText} appears earlier in this file with different content (line `)} || r.first_line || ')'`,
  };
  // Only events are compared with the store: reference rows for a known key are updates.
  const stored = isEventKind(kind)
    ? {
        join: `LEFT JOIN (SELECT ${content.map(ident).join(', ')}, batch_id FROM ${ident(kind)}
                 WHERE event_id IN (SELECT event_id FROM typed)) x ON x.event_id = r.event_id`,
        cases: `WHEN x.event_id IS NOT NULL AND ${sameRow('r', 'x', content)} THEN 'duplicate' WHEN x.event_id IS NOT NULL THEN 'conflict'`,
        reason: `CASE WHEN x.event_id IS NOT NULL THEN 'event_id was already loaded with different content (batch ' || x.batch_id || ')' ELSE ${inFile.reason} END`,
      }
    : { join: '', cases: '', reason: inFile.reason };
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE classified AS
    SELECT r.*,
      CASE ${stored.cases} ${inFile.cases}
        ${covered ? `WHEN w.line IS NOT NULL THEN 'withheld'` : ''}
        ELSE 'new'
      END AS outcome,
      ${stored.reason} AS conflict_reason
    FROM (${ranked}) r ${stored.join}
    ${covered ? `LEFT JOIN (${covered}) w ON w.line = r.line` : ''}`);
}

async function writeNewRows(conn: DuckDBConnection, kind: FileKind, ctx: LoadContext): Promise<void> {
  const columns = STORED_COLUMNS[kind];
  const list = columns.map(ident).join(', ');
  const batch = literal(ctx.batchId);
  if (isEventKind(kind)) {
    await conn.run(`INSERT INTO ${ident(kind)} (${list}, batch_id) SELECT ${list}, ${batch} FROM classified WHERE outcome = 'new'`);
    return;
  }
  const keys = KEY_COLUMNS[kind];
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
      DELETE FROM patients WHERE patient_id IN (SELECT patient_id FROM changed_patients);
      INSERT INTO patients (patient_id, pseudonym, ${attributes.map(ident).join(', ')}, batch_id)
        SELECT patient_id, pseudonym, ${attributes.map(ident).join(', ')}, ${batch} FROM changed_patients;
      DROP TABLE changed_patients; DROP TABLE fresh_patients;`);
    return;
  }
  const updates = columns.filter((c) => !keys.includes(c)).map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ');
  await conn.run(
    `INSERT INTO ${ident(kind)} (${list}, batch_id) SELECT *, ${batch} FROM (${changed}) ON CONFLICT (${keys.map(ident).join(', ')}) DO UPDATE SET ${updates}, batch_id = excluded.batch_id`,
  );
}

/** The row as JSON for the quarantine, with the NHS number replaced by a mask or its pseudonym. */
function maskedRecord(kind: FileKind, ctx: LoadContext): string {
  const fields = FILE_SPECS[kind].columns.map((c) => {
    if (c.rule.type !== 'nhs_number') return `${literal(c.name)}: ${ident(c.name)}`;
    return `${literal(c.name)}: CASE WHEN ${ident(c.name)} IS NULL THEN NULL WHEN ${NHS_VALID} THEN 'pseudonym:' || ${hmacSql(ctx.key, NHS_DIGITS)} ELSE 'masked' END`;
  });
  return `CAST(to_json({${fields.join(', ')}}) AS VARCHAR)`;
}

async function quarantine(conn: DuckDBConnection, file: BatchFile, ctx: LoadContext): Promise<void> {
  const head = `${literal(ctx.batchId)}, ${literal(file.fileName)}, ${literal(file.kind)}`;
  const eventId = isEventKind(file.kind) ? ident('event_id') : 'NULL';
  const record = maskedRecord(file.kind, ctx);
  await conn.run(`
    INSERT INTO quarantine
      SELECT ${head}, line, ${eventId}, reason_code, reason, ${record}, now() FROM chk WHERE reason_code IS NOT NULL
      UNION ALL
      SELECT ${head}, chk.line, ${eventId}, ${literal(isEventKind(file.kind) ? 'conflict' : 'duplicate_key')}, conflict_reason, ${record}, now()
        FROM chk JOIN (SELECT line AS conflict_line, conflict_reason FROM classified WHERE outcome = 'conflict') ON chk.line = conflict_line
      UNION ALL
      SELECT ${head}, line, NULL, 'malformed_row', reason, regexp_replace(record, '[0-9](?:[ -]?[0-9]){9,}', '***', 'g'), now() FROM stg_malformed`);
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
    const result = await conn.run(`
      DELETE FROM ${ident(table)} e USING objection_episodes o
      WHERE ${episodeCovers('o', 'e', SCOPE_COLUMN[table as EventKind]!)} AND o.patient_id IN (SELECT patient_id FROM objecting)`);
    purged += Number(result.rowsChanged);
  }
  await conn.run(`DROP TABLE objecting`);
  return purged;
}

async function countOutcomes(conn: DuckDBConnection): Promise<Omit<FileCounts, 'rowsIn' | 'purged' | 'steps'>> {
  const result = await conn.runAndReadAll(`
    SELECT
      (SELECT count(*) FROM classified WHERE outcome = 'new')::BIGINT,
      (SELECT count(*) FROM classified WHERE outcome = 'duplicate')::BIGINT,
      (SELECT count(*) FROM classified WHERE outcome = 'withheld')::BIGINT,
      ((SELECT count(*) FROM chk WHERE reason_code IS NOT NULL)
        + (SELECT count(*) FROM classified WHERE outcome = 'conflict')
        + (SELECT count(*) FROM stg_malformed))::BIGINT`);
  const [loaded, duplicates, withheld, quarantined] = result.getRows()[0]!.map(Number) as [number, number, number, number];
  return { loaded, duplicates, withheld, quarantined };
}

/** Loads the staged file (tables stg, stg_malformed) of the given kind. */
export async function loadStagedFile(conn: DuckDBConnection, file: BatchFile, rowsIn: number, ctx: LoadContext): Promise<FileCounts> {
  const spec = FILE_SPECS[file.kind];
  const steps: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      steps[name] = Math.round(performance.now() - started);
    }
  };
  await step('validate', () => conn.run(`CREATE OR REPLACE TEMP TABLE chk AS ${checkedRowsSql(spec, 'stg', ctx.nowIso)}`));
  if (hasNhsNumber(file.kind)) await step('pseudonymise', () => assignPatientIds(conn, ctx, file.kind));
  await step('type', () => buildTyped(conn, file.kind));
  if (file.kind === 'organisations') await step('hierarchy', () => checkOrganisationParents(conn));
  await step('deduplicate', () => classify(conn, file.kind));
  await step('write', () => writeNewRows(conn, file.kind, ctx));
  await step('quarantine', () => quarantine(conn, file, ctx));
  const purged = file.kind === 'consent_events' ? await step('objections', () => applyObjections(conn)) : 0;
  const counts = await countOutcomes(conn);
  await conn.run(`DROP TABLE IF EXISTS typed; DROP TABLE IF EXISTS classified; DROP TABLE IF EXISTS chk; DROP TABLE IF EXISTS stg; DROP TABLE IF EXISTS stg_malformed;`);
  return { rowsIn, ...counts, purged, steps };
}
