/**
 * Generates the SQL that checks a staged file (every column as raw text) against the contract.
 * Each row gets the first rule it breaks as (reason_code, reason); a row with no reason is valid.
 * Doing this as one vectorised DuckDB query keeps validation off the per-row JavaScript path.
 */
import type { ColumnSpec, FileSpec } from './contract.js';

export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** Trimmed text, or NULL when empty: the contract says an empty field is missing. */
export const cleaned = (column: string): string => `nullif(trim(${ident(column)}), '')`;

/** Digits of an NHS number with the spaces the contract allows removed. */
export const nhsDigits = (column: string): string => `replace(${cleaned(column)}, ' ', '')`;

const digitAt = (expr: string, position: number): string => `(ascii(substr(${expr}, ${position}, 1)) - 48)`;

/**
 * NHS Modulus-11: weights 10..2 over the first nine digits; check digit = 11 − (sum mod 11),
 * where 11 means 0 and 10 means the number is invalid. ascii() never throws on non-digits,
 * and the regex guard rejects them anyway.
 */
export function modulus11Valid(expr: string): string {
  const weighted = Array.from({ length: 9 }, (_, i) => `${10 - i} * ${digitAt(expr, i + 1)}`).join(' + ');
  const remainder = `(11 - ((${weighted}) % 11))`;
  return `(regexp_full_match(${expr}, '[0-9]{10}') AND ${remainder} <> 10 AND ${remainder} % 11 = ${digitAt(expr, 10)})`;
}

const TIMESTAMP_PATTERN = String.raw`[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)`;
const DATE_PATTERN = '[0-9]{4}-[0-9]{2}-[0-9]{2}';
const INT_PATTERN = '-?[0-9]{1,12}';
const NUMBER_PATTERN = String.raw`-?[0-9]{1,15}(\.[0-9]+)?`;
const ORG_CODE_PATTERN = '[A-Za-z0-9]{3,8}';

/** A value quoted into a message, with long digit runs masked in case it is an identifier. */
const shown = (expr: string): string => `regexp_replace(left(${expr}, 40), '[0-9][0-9 ]{5,}', '***', 'g')`;

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
  const v = cleaned(column.name);
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
          condition: `NOT ${modulus11Valid(nhsDigits(name))}`,
          code: 'bad_nhs_number',
          message: literal(`${name} is not a valid NHS number (10 digits passing the Modulus-11 check)`),
        },
      ];
    case 'timestamp':
      return [
        {
          condition: `NOT regexp_full_match(${v}, '${TIMESTAMP_PATTERN}') OR try_cast(${v} AS TIMESTAMPTZ) IS NULL`,
          code: 'bad_value',
          message: `${literal(`${name} is not an ISO 8601 timestamp with Z or an offset: '`)} || ${shown(v)} || ''''`,
        },
      ];
    case 'date':
      return [
        {
          condition: `NOT regexp_full_match(${v}, '${DATE_PATTERN}') OR try_cast(${v} AS DATE) IS NULL`,
          code: 'bad_value',
          message: `${literal(`${name} is not a date (YYYY-MM-DD): '`)} || ${shown(v)} || ''''`,
        },
      ];
    case 'int':
    case 'number': {
      const pattern = rule.type === 'int' ? INT_PATTERN : NUMBER_PATTERN;
      const bounds = [
        rule.min !== undefined ? `try_cast(${v} AS DOUBLE) < ${rule.min}` : null,
        rule.max !== undefined ? `try_cast(${v} AS DOUBLE) > ${rule.max}` : null,
      ].filter(Boolean);
      const what = rule.type === 'int' ? 'a whole number' : 'a number';
      return [
        {
          condition: [`NOT regexp_full_match(${v}, '${pattern}')`, ...bounds].join(' OR '),
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

function referenceChecks(column: ColumnSpec): Check[] {
  const v = cleaned(column.name);
  const checks: Check[] = [];
  if (column.org) {
    const types = column.org.orgTypes;
    const typeFilter = types ? ` AND org_type IN (${types.map(literal).join(', ')})` : '';
    const star = column.org.allowStar ? `${v} <> '*' AND ` : '';
    const what = types ? `a known ${types.join(' / ')} organisation` : 'a known organisation';
    checks.push({
      condition: `${star}${v} NOT IN (SELECT org_code FROM known_orgs WHERE true${typeFilter})`,
      code: 'unknown_org',
      message: `${literal(`${column.name} is not ${what}: '`)} || ${shown(v)} || ''''`,
    });
  }
  if (column.campaign) {
    checks.push({
      condition: `${v} NOT IN (SELECT campaign_code FROM campaigns)`,
      code: 'unknown_campaign',
      message: `${literal(`${column.name} is not a known campaign: '`)} || ${shown(v)} || ''''`,
    });
  }
  return checks;
}

/** Rules that relate two columns of the same row. */
function crossColumnChecks(spec: FileSpec): Check[] {
  const after = (start: string, end: string): Check => ({
    condition: `try_cast(${cleaned(end)} AS DATE) < try_cast(${cleaned(start)} AS DATE)`,
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
 */
export function checksFor(spec: FileSpec, nowIso: string): Check[] {
  const checks: Check[] = [];
  for (const column of spec.columns) {
    if (column.required) {
      checks.push({
        condition: `${cleaned(column.name)} IS NULL`,
        code: 'missing_field',
        message: literal(`${column.name} is required but empty`),
      });
    }
  }
  // Value checks only apply to non-empty values: an empty optional field is simply missing.
  const guarded = (column: ColumnSpec, check: Check): Check => ({
    ...check,
    condition: `(${cleaned(column.name)} IS NOT NULL AND (${check.condition}))`,
  });
  for (const column of spec.columns) checks.push(...valueChecks(column).map((c) => guarded(column, c)));
  checks.push(...crossColumnChecks(spec));
  for (const column of spec.columns) checks.push(...referenceChecks(column).map((c) => guarded(column, c)));
  for (const column of spec.columns) {
    if (column.notInFuture) {
      checks.push(
        guarded(column, {
          condition: `try_cast(${cleaned(column.name)} AS TIMESTAMPTZ) > ${literal(nowIso)}::TIMESTAMPTZ`,
          code: 'future_timestamp',
          message: literal(`${column.name} is in the future (after the time of import)`),
        }),
      );
    }
  }
  return checks;
}

/** SELECT that adds reason_code and reason to every staged row; `nowIso` is the import clock. */
export function checkedRowsSql(spec: FileSpec, stagedTable: string, nowIso: string): string {
  const checks = checksFor(spec, nowIso);
  const codeCase = `CASE ${checks.map((c) => `WHEN ${c.condition} THEN ${literal(c.code)}`).join(' ')} END`;
  const reasonCase = `CASE ${checks.map((c) => `WHEN ${c.condition} THEN ${c.message}`).join(' ')} END`;
  return `SELECT *, ${codeCase} AS reason_code, ${reasonCase} AS reason FROM ${stagedTable}`;
}

/** Typed value of a column of a checked (valid) row, as stored. */
export function typedValue(column: ColumnSpec): string {
  const v = cleaned(column.name);
  switch (column.rule.type) {
    case 'nhs_number':
      return nhsDigits(column.name);
    case 'timestamp':
      return `CAST(${v} AS TIMESTAMPTZ)`;
    case 'date':
      return `CAST(${v} AS DATE)`;
    case 'int':
      return `CAST(${v} AS BIGINT)`;
    case 'number':
      return `CAST(${v} AS DOUBLE)`;
    default:
      return v;
  }
}
