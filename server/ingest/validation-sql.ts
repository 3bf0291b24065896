/**
 * Generates the SQL that checks delivered rows (every column as raw text) against the contract.
 * Each row gets the first rule it breaks as its failure (reason code and reason); a row without one is valid.
 * Doing this as one vectorised DuckDB query keeps validation off the per-row JavaScript path, and
 * running it straight over the file readers makes reading and checking a single pass.
 *
 * The query has three layers so that each value is cast and looked up once:
 *   1. `prepared`: the raw text per column (an empty field is already NULL), casts (`<col>__v`),
 *      NHS digits + validity, and LEFT JOIN lookups for organisation / campaign references;
 *   2. the index of the first failed check (one CASE);
 *   3. the failure (reason code, reason, raw text set aside) for failed rows only.
 */
import { sqlLiteral } from '../store/sql-literal.js';
import type { ColumnSpec, FileSpec } from './import-rules.js';

export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * In checked rows: the NHS number without the spaces the contract allows (kept on failed rows
 * only), whether it is valid, and a valid number's value as an integer — the form every later
 * step uses, because grouping and joining 8-byte integers is far cheaper than text.
 */
export const NHS_DIGITS = 'nhs_digits';
const NHS_VALID = 'nhs_valid';
export const NHS_VALUE = 'nhs_value';

/** The ten digits of an NHS number's value (leading zeros restored): what the pseudonym hashes. */
export const nhsDigitsOf = (value: string): string => `lpad(CAST(${value} AS VARCHAR), 10, '0')`;

/**
 * NHS Modulus-11 over the number's value `n` (the ten digits read as an integer, so a leading zero
 * is simply a smaller value): weights 10..2 over the first nine digits; check digit =
 * 11 − (sum mod 11), where 11 means 0 and 10 means the number is invalid. That is the same as
 * "the sum with the check digit added at weight 1 is a multiple of 11" (a would-be check digit of
 * 10 can never be matched by one digit), which needs the sum only once. The digits are taken from
 * the two five-digit halves as 32-bit integers: 64-bit division is several times dearer.
 */
function modulus11OfValue(n: string): string {
  const high = `(${n} // 100000)::INTEGER`;
  const low = `(${n} % 100000)::INTEGER`;
  const digit = (half: string, position: number) => `(${half} // ${10 ** (5 - position)} % 10)`;
  const weighted = [1, 2, 3, 4, 5]
    .map((p) => `${11 - p} * ${digit(high, p)}`)
    .concat([1, 2, 3, 4, 5].map((p) => `${6 - p} * ${digit(low, p)}`))
    .join(' + ');
  return `((${weighted}) % 11 = 0)`;
}

/**
 * Exactly ten ASCII digits (no sign, no spaces): the cast alone would accept `+123456789`. A GLOB
 * of ten digit classes says the same as the regular expression [0-9]{10} at a third of its cost.
 */
const tenDigits = (expr: string): string => `(${expr} GLOB '${'[0-9]'.repeat(10)}')`;

/** The contract allows spaces inside an NHS number; most have none, and the test is cheaper than the replace. */
const withoutSpaces = (expr: string): string => `CASE WHEN contains(${expr}, ' ') THEN replace(${expr}, ' ', '') ELSE ${expr} END`;

/** True for a valid NHS number given as its digits; for one-off use (the load computes it in layers). */
export function modulus11Valid(expr: string): string {
  return `coalesce(${tenDigits(expr)} AND ${modulus11OfValue(`try_cast(${expr} AS UBIGINT)`)}, false)`;
}

/** A zone is required: a timestamp without one is ambiguous by an hour for half the year. */
const ZONE_SUFFIX = '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$';
const DATE_PATTERN = '[0-9]{4}-[0-9]{2}-[0-9]{2}';
const INT_PATTERN = '-?[0-9]{1,12}';
const NUMBER_PATTERN = String.raw`-?[0-9]{1,15}(\.[0-9]+)?`;
const ORG_CODE_PATTERN = '[A-Za-z0-9]{3,8}';

/** A value quoted into a message, with long digit runs masked in case it is an identifier. */
const shown = (expr: string): string => `regexp_replace(left(${expr}, 40), '[0-9][0-9 ]{5,}', '***', 'g')`;

/** The contract's values as a DuckDB ENUM type (values are the contract's own, never delivered text). */
const enumType = (values: readonly string[]): string => `ENUM(${values.map(sqlLiteral).join(', ')})`;

/** Column holding the cast value of a timestamp/date/int/number/enum column. */
const castColumn = (column: ColumnSpec) => ident(`${column.name}__v`);

function castExpression(column: ColumnSpec): string | null {
  const v = ident(column.name);
  switch (column.rule.type) {
    case 'timestamp':
      // Most timestamps end in Z: that test is far cheaper than the zone pattern.
      return `CASE WHEN ends_with(${v}, 'Z') OR regexp_matches(${v}, '${ZONE_SUFFIX}') THEN try_cast(${v} AS TIMESTAMPTZ) END`;
    case 'date':
      return `CASE WHEN regexp_full_match(${v}, '${DATE_PATTERN}') THEN try_cast(${v} AS DATE) END`;
    case 'int':
      return `CASE WHEN regexp_full_match(${v}, '${INT_PATTERN}') THEN try_cast(${v} AS BIGINT) END`;
    case 'number':
      return `CASE WHEN regexp_full_match(${v}, '${NUMBER_PATTERN}') THEN try_cast(${v} AS DOUBLE) END`;
    case 'enum':
      // One lookup checks the value, and the checked rows hold a one-byte code instead of the text
      // (materialising millions of short strings costs more than the lookup).
      return `try_cast(${v} AS ${enumType(column.rule.values)})`;
    default:
      return null;
  }
}

interface Check {
  condition: string;
  code: string;
  /** SQL expression for the message (so it can quote the offending value). */
  message: string;
  /** Set for a lookup of the value among known codes (`known` is a query of them). */
  reference?: { column: string; known: string; allowStar: boolean };
}

function rangeText(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

function valueChecks(column: ColumnSpec): Check[] {
  const v = ident(column.name);
  const cast = castColumn(column);
  const name = column.name;
  const rule = column.rule;
  switch (rule.type) {
    case 'text':
      return [];
    case 'org_code':
      return [
        {
          condition: `NOT regexp_full_match(${v}, '${ORG_CODE_PATTERN}')`,
          code: 'bad_value',
          message: sqlLiteral(`${name} must be 3–8 letters or digits`),
        },
      ];
    case 'nhs_number':
      return [
        {
          condition: `NOT ${NHS_VALID}`,
          code: 'bad_nhs_number',
          message: sqlLiteral(`${name} is not a valid NHS number (10 digits passing the Modulus-11 check)`),
        },
      ];
    case 'timestamp':
      return [
        {
          condition: `${cast} IS NULL`,
          code: 'bad_value',
          message: `${sqlLiteral(`${name} is not an ISO 8601 timestamp with Z or an offset: '`)} || ${shown(v)} || ''''`,
        },
      ];
    case 'date':
      return [
        {
          condition: `${cast} IS NULL`,
          code: 'bad_value',
          message: `${sqlLiteral(`${name} is not a date (YYYY-MM-DD): '`)} || ${shown(v)} || ''''`,
        },
      ];
    case 'int':
    case 'number': {
      const bounds = [rule.min !== undefined ? `${cast} < ${rule.min}` : null, rule.max !== undefined ? `${cast} > ${rule.max}` : null].filter(Boolean);
      const what = rule.type === 'int' ? 'a whole number' : 'a number';
      return [
        {
          condition: [`${cast} IS NULL`, ...bounds].join(' OR '),
          code: 'bad_value',
          message: `${sqlLiteral(`${name} must be ${what}${rangeText(rule.min, rule.max)}: '`)} || ${shown(v)} || ''''`,
        },
      ];
    }
    case 'enum':
      return [
        {
          condition: `${cast} IS NULL`,
          code: 'unknown_value',
          message: `${sqlLiteral(`${name} must be one of ${rule.values.join(', ')}, not '`)} || ${shown(v)} || ''''`,
        },
      ];
  }
}

/**
 * Checks that a value refers to a known organisation or campaign. They are not evaluated row by
 * row in the reading pass (a join there would give up the file's row order, which is how lines
 * are numbered): the few distinct values are looked up afterwards and the rows carrying an unknown
 * one are marked (see referenceCheckStatements).
 */
function referenceChecks(column: ColumnSpec): Check[] {
  const v = ident(column.name);
  const checks: Check[] = [];
  if (column.org) {
    const types = column.org.orgTypes;
    const what = types ? `a known ${types.join(' / ')} organisation` : 'a known organisation';
    checks.push({
      condition: 'FALSE',
      code: 'unknown_org',
      message: `${sqlLiteral(`${column.name} is not ${what}: '`)} || ${shown(v)} || ''''`,
      reference: {
        column: column.name,
        known: `SELECT org_code FROM known_orgs${types ? ` WHERE org_type IN (${types.map(sqlLiteral).join(', ')})` : ''}`,
        allowStar: column.org.allowStar === true,
      },
    });
  }
  if (column.campaign) {
    checks.push({
      condition: 'FALSE',
      code: 'unknown_campaign',
      message: `${sqlLiteral(`${column.name} is not a known campaign: '`)} || ${shown(v)} || ''''`,
      reference: { column: column.name, known: 'SELECT campaign_code FROM campaigns', allowStar: false },
    });
  }
  return checks;
}

/** Rules that relate two columns of the same row. */
function crossColumnChecks(spec: FileSpec): Check[] {
  const after = (start: string, end: string): Check => ({
    condition: `${ident(`${end}__v`)} < ${ident(`${start}__v`)}`,
    code: 'bad_value',
    message: sqlLiteral(`${end} is before ${start}`),
  });
  if (spec.kind === 'campaigns') return [after('start_date', 'end_date')];
  if (spec.kind === 'programme_costs') return [after('period_start', 'period_end')];
  return [];
}

/**
 * All checks for a file in the order they are reported: a missing value first, then the value's
 * own form, then what it refers to, then the clock. Only the first failure is reported per row.
 * Conditions refer to the prepared columns (raw text, casts, lookups).
 */
function checksFor(spec: FileSpec, nowIso: string): Check[] {
  const checks: Check[] = [];
  for (const column of spec.columns) {
    if (column.required) {
      checks.push({ condition: `${ident(column.name)} IS NULL`, code: 'missing_field', message: sqlLiteral(`${column.name} is required but empty`) });
    }
  }
  // Value checks only apply to non-empty values: an empty optional field is simply missing.
  const guarded = (column: ColumnSpec, check: Check): Check => ({
    ...check,
    condition: `(${ident(column.name)} IS NOT NULL AND (${check.condition}))`,
  });
  for (const column of spec.columns) checks.push(...valueChecks(column).map((c) => guarded(column, c)));
  checks.push(...crossColumnChecks(spec));
  for (const column of spec.columns) checks.push(...referenceChecks(column));
  for (const column of spec.columns) {
    if (column.notInFuture) {
      checks.push({
        // Five minutes of grace for clocks that disagree a little between the platform and us.
        condition: `${castColumn(column)} > ${sqlLiteral(nowIso)}::TIMESTAMPTZ + INTERVAL 5 MINUTE`,
        code: 'future_timestamp',
        message: sqlLiteral(`${column.name} is in the future (after the time of import)`),
      });
    }
  }
  return checks;
}

/** Columns whose raw text is only kept for failed rows: valid rows keep the cast value instead. */
const keepsRawOnlyWhenFailed = (column: ColumnSpec): boolean => castExpression(column) !== null;

/**
 * A checked row's failure, NULL for a valid row: one JSON text holding the number of the first
 * check it broke, its reason code and reason, and the raw text of what the row no longer keeps
 * (cast columns, the NHS digits). One mostly-NULL text column costs far less to write for
 * millions of rows than a mostly-NULL column for each of those values.
 */
export const FAILURE = 'failure';
/** Condition for a valid checked row. */
export const VALID_ROW = `${FAILURE} IS NULL`;

const failureJson = (check: string, code: string, reason: string, raw: string): string =>
  `CAST(to_json({'check': ${check}, 'code': ${code}, 'reason': ${reason}, 'raw': ${raw}}) AS VARCHAR)`;

/** Names of the raw values a failure keeps. */
function rawKeptOnFailure(spec: FileSpec): string[] {
  return spec.columns
    .filter((c) => c.rule.type !== 'nhs_number' && keepsRawOnlyWhenFailed(c))
    .map((c) => c.name)
    .concat(spec.columns.some((c) => c.rule.type === 'nhs_number') ? [NHS_DIGITS] : []);
}

/**
 * The failed rows of checked table `table` with their failure unpacked into columns: reason_code,
 * reason and the raw values under their own names (NULL where the row only has the cast value),
 * and the rowid (a line may be recovered from it).
 */
export function failedRowsSql(spec: FileSpec, table: string): string {
  const raw = rawKeptOnFailure(spec).map((name) => `json_extract_string(${FAILURE}, ${sqlLiteral(`$.raw.${name}`)}) AS ${ident(name)}`);
  return (
    `SELECT rowid AS rowid, *, json_extract_string(${FAILURE}, '$.code') AS reason_code, json_extract_string(${FAILURE}, '$.reason') AS reason` +
    `${raw.map((r) => `, ${r}`).join('')} FROM ${table} WHERE ${FAILURE} IS NOT NULL`
  );
}

/** A failure found after the reading pass (e.g. the organisation hierarchy), ranked after every check. */
export function laterFailure(code: string, reason: string): string {
  return failureJson('1000', sqlLiteral(code), reason, 'NULL');
}

/**
 * The checked rows of `source` (a relation of file_no, line and each contract column as raw text):
 * file_no, line (unless `withLines` is false: all to be recovered from position), the raw text of each column that is not cast, the cast value `<col>__v` of each
 * that is, the NHS number's value (valid numbers only), `extraColumns` (expressions over the raw
 * text), then the failure (see FAILURE). `nowIso` is the import clock.
 */
export function checkedRowsSql(spec: FileSpec, source: string, nowIso: string, extraColumns: readonly string[] = [], withLines = true): string {
  const nhs = spec.columns.find((c) => c.rule.type === 'nhs_number');
  const prepared = [
    'src.file_no',
    'src.line',
    ...spec.columns.map((c) => `src.${ident(c.name)}`),
    ...spec.columns.flatMap((c) => {
      const cast = castExpression(c);
      return cast ? [`${cast} AS ${castColumn(c)}`] : [];
    }),
    ...(nhs ? [`${withoutSpaces(`src.${ident(nhs.name)}`)} AS ${NHS_DIGITS}`] : []),
  ];
  const nhsValue = ident('nhs__n');
  const validity = nhs
    ? `, try_cast(${NHS_DIGITS} AS UBIGINT) AS ${nhsValue}`
    : '';
  const valid = nhs
    ? `, coalesce(${tenDigits(NHS_DIGITS)} AND ${modulus11OfValue(nhsValue)}, false) AS ${NHS_VALID}`
    : '';
  const checks = checksFor(spec, nowIso);
  // Numbered over all checks, so a reference check marked later can tell whether it comes first.
  const rowChecks = checks.map((c, i) => ({ ...c, number: i + 1 })).filter((c) => !c.reference);
  const failed = rowChecks.length ? `CASE ${rowChecks.map((c) => `WHEN ${c.condition} THEN ${c.number}`).join(' ')} END` : 'NULL::INTEGER';
  const codes = `[${checks.map((c) => sqlLiteral(c.code)).join(', ')}]`;
  const reason = `CASE failed_check ${rowChecks.map((c) => `WHEN ${c.number} THEN ${c.message}`).join(' ')} END`;
  const rawKept = rawKeptOnFailure(spec);
  const raw = rawKept.length ? `{${rawKept.map((name) => `${sqlLiteral(name)}: ${ident(name)}`).join(', ')}}` : 'NULL';
  const output = [
    'file_no',
    ...(withLines ? ['line'] : []),
    ...spec.columns.filter((c) => c.rule.type !== 'nhs_number' && !keepsRawOnlyWhenFailed(c)).map((c) => ident(c.name)),
    ...spec.columns.flatMap((c) => (castExpression(c) ? [castColumn(c)] : [])),
    ...(nhs ? [`CASE WHEN ${NHS_VALID} THEN ${nhsValue} END AS ${NHS_VALUE}`] : []),
    ...extraColumns,
  ];
  return `
    WITH prepared AS (SELECT ${prepared.join(', ')} FROM (${source}) src),
    validated AS (SELECT *${valid} FROM (SELECT *${validity} FROM prepared)),
    checked AS (SELECT *, ${failed} AS failed_check FROM validated)
    SELECT ${output.join(', ')},
      CASE WHEN failed_check IS NOT NULL THEN ${failureJson('failed_check', `${codes}[failed_check]`, reason, raw)} END AS ${FAILURE}
    FROM checked`;
}

/**
 * Statements that apply the reference checks to the checked rows in `table`, in check order: the
 * distinct values of the column are looked up once, and rows with an unknown value are marked
 * unless an earlier check already failed them. Each entry is a query of the unknown values (to be
 * kept as TEMP table unknown_values) and the UPDATE to run when there are any.
 */
export function referenceCheckStatements(spec: FileSpec, table: string, nowIso: string): { unknownValues: string; mark: string }[] {
  return checksFor(spec, nowIso).flatMap((check, i) => {
    if (!check.reference) return [];
    const v = ident(check.reference.column);
    const star = check.reference.allowStar ? ` AND v <> '*'` : '';
    const unknownValues = `SELECT v FROM (SELECT DISTINCT ${v} AS v FROM ${table}) WHERE v IS NOT NULL${star} AND v NOT IN (${check.reference.known})`;
    // A row already failed by a later check keeps the raw values it set aside.
    const mark =
      `UPDATE ${table} SET ${FAILURE} = ${failureJson(String(i + 1), sqlLiteral(check.code), check.message, `json_extract(${FAILURE}, '$.raw')`)} ` +
      `WHERE (${FAILURE} IS NULL OR CAST(json_extract(${FAILURE}, '$.check') AS INTEGER) > ${i + 1}) AND ${v} IN (SELECT v FROM unknown_values)`;
    return [{ unknownValues, mark }];
  });
}

/** Value of a checked (valid) row's column as stored. */
export function typedValue(column: ColumnSpec): string {
  if (column.rule.type === 'nhs_number') return NHS_VALUE;
  return castExpression(column) ? castColumn(column) : ident(column.name);
}
