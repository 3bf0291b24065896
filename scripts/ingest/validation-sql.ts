/**
 * Generates the SQL that checks a staged file (every column as raw text) against the contract.
 * Each row gets the first rule it breaks as (reason_code, reason); a row with no reason is valid.
 * Doing this as one vectorised DuckDB query keeps validation off the per-row JavaScript path.
 *
 * The query has three layers so that each value is cleaned, cast and looked up once:
 *   1. `prepared`: trimmed text per column (empty = NULL), casts (`<col>__v`), NHS digits + validity,
 *      and LEFT JOIN lookups for organisation / campaign references;
 *   2. the index of the first failed check (one CASE);
 *   3. reason_code and reason for failed rows only.
 */
import type { ColumnSpec, FileSpec } from './contract.js';

export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** In checked rows: the NHS number without the spaces the contract allows, and its validity. */
export const NHS_DIGITS = 'nhs_digits';
export const NHS_VALID = 'nhs_valid';

/** Trimmed raw text, or NULL when empty: the contract says an empty field is missing. */
const trimmed = (column: string): string => `nullif(trim(${ident(column)}), '')`;

const digitAt = (expr: string, position: number): string => `(ascii(substr(${expr}, ${position}, 1)) - 48)`;

/**
 * NHS Modulus-11: weights 10..2 over the first nine digits; check digit = 11 − (sum mod 11),
 * where 11 means 0 and 10 means the number is invalid. ascii() never throws on non-digits,
 * and the regex guard rejects them anyway.
 */
export function modulus11Valid(expr: string): string {
  const weighted = Array.from({ length: 9 }, (_, i) => `${10 - i} * ${digitAt(expr, i + 1)}`).join(' + ');
  const remainder = `(11 - ((${weighted}) % 11))`;
  return `coalesce(regexp_full_match(${expr}, '[0-9]{10}') AND ${remainder} <> 10 AND ${remainder} % 11 = ${digitAt(expr, 10)}, false)`;
}

/** A zone is required: a timestamp without one is ambiguous by an hour for half the year. */
const ZONE_SUFFIX = String.raw`([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$`;
const DATE_PATTERN = '[0-9]{4}-[0-9]{2}-[0-9]{2}';
const INT_PATTERN = '-?[0-9]{1,12}';
const NUMBER_PATTERN = String.raw`-?[0-9]{1,15}(\.[0-9]+)?`;
const ORG_CODE_PATTERN = '[A-Za-z0-9]{3,8}';

/** A value quoted into a message, with long digit runs masked in case it is an identifier. */
const shown = (expr: string): string => `regexp_replace(left(${expr}, 40), '[0-9][0-9 ]{5,}', '***', 'g')`;

/** Column holding the cast value of a timestamp/date/int/number column. */
const castColumn = (column: ColumnSpec) => ident(`${column.name}__v`);

function castExpression(column: ColumnSpec): string | null {
  const v = ident(column.name);
  switch (column.rule.type) {
    case 'timestamp':
      return `CASE WHEN regexp_matches(${v}, '${ZONE_SUFFIX}') THEN try_cast(${v} AS TIMESTAMPTZ) END`;
    case 'date':
      return `CASE WHEN regexp_full_match(${v}, '${DATE_PATTERN}') THEN try_cast(${v} AS DATE) END`;
    case 'int':
      return `CASE WHEN regexp_full_match(${v}, '${INT_PATTERN}') THEN try_cast(${v} AS BIGINT) END`;
    case 'number':
      return `CASE WHEN regexp_full_match(${v}, '${NUMBER_PATTERN}') THEN try_cast(${v} AS DOUBLE) END`;
    default:
      return null;
  }
}

interface Check {
  condition: string;
  code: string;
  /** SQL expression for the message (so it can quote the offending value). */
  message: string;
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
    case 'org_code_format':
      return [
        {
          condition: `NOT regexp_full_match(${v}, '${ORG_CODE_PATTERN}')`,
          code: 'bad_value',
          message: literal(`${name} must be 3–8 letters or digits`),
        },
      ];
    case 'nhs_number':
      return [
        {
          condition: `NOT ${NHS_VALID}`,
          code: 'bad_nhs_number',
          message: literal(`${name} is not a valid NHS number (10 digits passing the Modulus-11 check)`),
        },
      ];
    case 'timestamp':
      return [
        {
          condition: `${cast} IS NULL`,
          code: 'bad_value',
          message: `${literal(`${name} is not an ISO 8601 timestamp with Z or an offset: '`)} || ${shown(v)} || ''''`,
        },
      ];
    case 'date':
      return [
        {
          condition: `${cast} IS NULL`,
          code: 'bad_value',
          message: `${literal(`${name} is not a date (YYYY-MM-DD): '`)} || ${shown(v)} || ''''`,
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
          message: `${literal(`${name} must be ${what}${rangeText(rule.min, rule.max)}: '`)} || ${shown(v)} || ''''`,
        },
      ];
    }
    case 'enum':
      return [
        {
          condition: `${v} NOT IN (${rule.values.map(literal).join(', ')})`,
          code: 'unknown_value',
          message: `${literal(`${name} must be one of ${rule.values.join(', ')}, not '`)} || ${shown(v)} || ''''`,
        },
      ];
  }
}

/** Alias of the lookup joined for a column that refers to an organisation or campaign. */
const refAlias = (column: ColumnSpec) => ident(`ref_${column.name}`);

/**
 * Lookups for reference columns, as LEFT JOINs on the staged rows: a NOT IN subquery inside the
 * CASE would be re-evaluated instead of hash-joined.
 */
function referenceJoins(spec: FileSpec): string {
  return spec.columns
    .map((column) => {
      const on = `${refAlias(column)}.ref_code = ${trimmed(column.name)}`;
      if (column.org) return `LEFT JOIN (SELECT org_code AS ref_code, org_type AS ref_type FROM known_orgs) ${refAlias(column)} ON ${on}`;
      if (column.campaign) return `LEFT JOIN (SELECT campaign_code AS ref_code FROM campaigns) ${refAlias(column)} ON ${on}`;
      return '';
    })
    .filter(Boolean)
    .join('\n');
}

/** Columns the reference lookups contribute to the prepared rows. */
function referenceColumns(spec: FileSpec): string[] {
  return spec.columns.flatMap((column) => {
    const alias = refAlias(column);
    const out = ident(`ref_${column.name}`);
    if (column.org) return [`${alias}.ref_code IS NOT NULL AS ${out}`, `${alias}.ref_type AS ${ident(`ref_${column.name}_type`)}`];
    if (column.campaign) return [`${alias}.ref_code IS NOT NULL AS ${out}`];
    return [];
  });
}

function referenceChecks(column: ColumnSpec): Check[] {
  const v = ident(column.name);
  const found = ident(`ref_${column.name}`);
  const checks: Check[] = [];
  if (column.org) {
    const types = column.org.orgTypes;
    const wrongType = types ? ` OR ${ident(`ref_${column.name}_type`)} NOT IN (${types.map(literal).join(', ')})` : '';
    const star = column.org.allowStar ? `${v} <> '*' AND ` : '';
    const what = types ? `a known ${types.join(' / ')} organisation` : 'a known organisation';
    checks.push({
      condition: `${star}(NOT ${found}${wrongType})`,
      code: 'unknown_org',
      message: `${literal(`${column.name} is not ${what}: '`)} || ${shown(v)} || ''''`,
    });
  }
  if (column.campaign) {
    checks.push({
      condition: `NOT ${found}`,
      code: 'unknown_campaign',
      message: `${literal(`${column.name} is not a known campaign: '`)} || ${shown(v)} || ''''`,
    });
  }
  return checks;
}

/** Rules that relate two columns of the same row. */
function crossColumnChecks(spec: FileSpec): Check[] {
  const after = (start: string, end: string): Check => ({
    condition: `${ident(`${end}__v`)} < ${ident(`${start}__v`)}`,
    code: 'bad_value',
    message: literal(`${end} is before ${start}`),
  });
  if (spec.kind === 'campaigns') return [after('start_date', 'end_date')];
  if (spec.kind === 'programme_costs') return [after('period_start', 'period_end')];
  return [];
}

/**
 * All checks for a file in the order they are reported: a missing value first, then the value's
 * own form, then what it refers to, then the clock. Only the first failure is reported per row.
 * Conditions refer to the prepared columns (trimmed text, casts, lookups).
 */
export function checksFor(spec: FileSpec, nowIso: string): Check[] {
  const checks: Check[] = [];
  for (const column of spec.columns) {
    if (column.required) {
      checks.push({ condition: `${ident(column.name)} IS NULL`, code: 'missing_field', message: literal(`${column.name} is required but empty`) });
    }
  }
  // Value checks only apply to non-empty values: an empty optional field is simply missing.
  const guarded = (column: ColumnSpec, check: Check): Check => ({
    ...check,
    condition: `(${ident(column.name)} IS NOT NULL AND (${check.condition}))`,
  });
  for (const column of spec.columns) checks.push(...valueChecks(column).map((c) => guarded(column, c)));
  checks.push(...crossColumnChecks(spec));
  for (const column of spec.columns) checks.push(...referenceChecks(column).map((c) => guarded(column, c)));
  for (const column of spec.columns) {
    if (column.notInFuture) {
      checks.push({
        // Five minutes of grace for clocks that disagree a little between the platform and us.
        condition: `${castColumn(column)} > ${literal(nowIso)}::TIMESTAMPTZ + INTERVAL 5 MINUTE`,
        code: 'future_timestamp',
        message: literal(`${column.name} is in the future (after the time of import)`),
      });
    }
  }
  return checks;
}

/**
 * The checked rows: `line`, each contract column as trimmed text, `<col>__v` casts, nhs_digits /
 * nhs_valid, then reason_code and reason (NULL for a valid row). `nowIso` is the import clock.
 */
export function checkedRowsSql(spec: FileSpec, stagedTable: string, nowIso: string): string {
  const prepared = [
    `${stagedTable}.line`,
    ...spec.columns.map((c) => `${trimmed(c.name)} AS ${ident(c.name)}`),
    ...referenceColumns(spec),
  ];
  const nhs = spec.columns.find((c) => c.rule.type === 'nhs_number');
  const derived = [
    ...spec.columns.flatMap((c) => {
      const cast = castExpression(c);
      return cast ? [`${cast} AS ${castColumn(c)}`] : [];
    }),
    ...(nhs ? [`replace(${ident(nhs.name)}, ' ', '') AS ${NHS_DIGITS}`] : []),
  ];
  const checks = checksFor(spec, nowIso);
  const failed = `CASE ${checks.map((c, i) => `WHEN ${c.condition} THEN ${i + 1}`).join(' ')} END`;
  const codes = `[${checks.map((c) => literal(c.code)).join(', ')}]`;
  const reason = `CASE failed_check ${checks.map((c, i) => `WHEN ${i + 1} THEN ${c.message}`).join(' ')} END`;
  return `
    WITH prepared AS (SELECT ${prepared.join(', ')} FROM ${stagedTable} ${referenceJoins(spec)}),
    derived AS (SELECT *, ${derived.length ? derived.join(', ') : 'NULL AS no_casts'} FROM prepared),
    validated AS (SELECT *${nhs ? `, ${modulus11Valid(NHS_DIGITS)} AS ${NHS_VALID}` : ''} FROM derived),
    checked AS (SELECT *, ${failed} AS failed_check FROM validated)
    SELECT * EXCLUDE (failed_check),
      CASE WHEN failed_check IS NOT NULL THEN ${codes}[failed_check] END AS reason_code,
      CASE WHEN failed_check IS NOT NULL THEN ${reason} END AS reason
    FROM checked`;
}

/** Value of a checked (valid) row's column as stored. */
export function typedValue(column: ColumnSpec): string {
  if (column.rule.type === 'nhs_number') return NHS_DIGITS;
  return castExpression(column) ? castColumn(column) : ident(column.name);
}
