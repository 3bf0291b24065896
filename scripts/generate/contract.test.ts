/**
 * Every generated file follows the export contract (/work/shared/contract/EXPORT_FORMAT.md):
 * exact headers, valid values — except the planted bad rows, which an independent validator
 * written here from the contract finds exactly where the manifest says they are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryTime, generateSmall, readBatches, type BatchFile, type Generated } from './test-helpers.js';

// Written from the contract document, not imported from the generator.
const HEADERS: Record<string, string[]> = {
  organisations: ['org_code', 'name', 'org_type', 'parent_code', 'eligible_population', 'go_live_date', 'target_uptake_pct'],
  campaigns: ['campaign_code', 'name', 'org_code', 'channel', 'start_date', 'end_date', 'cost_gbp'],
  programme_costs: ['org_code', 'period_start', 'period_end', 'category', 'amount_gbp'],
  patients: ['nhs_number', 'practice_code', 'birth_year', 'sex', 'imd_decile'],
  enrolment_events: ['event_id', 'occurred_at', 'nhs_number', 'practice_code', 'org_code', 'event_type', 'channel', 'campaign_code'],
  usage_events: ['event_id', 'occurred_at', 'nhs_number', 'org_code', 'event_type', 'platform'],
  record_feeds: ['event_id', 'occurred_at', 'nhs_number', 'source_org_code', 'record_type', 'item_count'],
  consent_events: ['event_id', 'occurred_at', 'nhs_number', 'org_code', 'event_type'],
};

const ENUMS = {
  org_type: ['icb', 'ccg', 'trust', 'practice', 'community'],
  campaign_channel: ['letter', 'sms', 'email', 'poster', 'clinic', 'social', 'other'],
  category: ['licence', 'implementation', 'staff', 'marketing', 'other'],
  sex: ['F', 'M', 'X', 'U'],
  enrolment_type: ['invited', 'registered', 'activated', 'deactivated'],
  enrolment_channel: ['letter', 'sms', 'email', 'clinic', 'web', 'app', 'other'],
  usage_type: [
    'login', 'record_viewed', 'letter_viewed', 'result_viewed', 'message_sent', 'appointment_booked',
    'appointment_cancelled', 'questionnaire_completed', 'prescription_requested', 'document_uploaded',
  ],
  platform: ['web', 'ios', 'android', 'other'],
  record_type: ['letter', 'result', 'appointment', 'medication', 'care_plan', 'document', 'other'],
  consent_type: ['objection_registered', 'objection_withdrawn', 'sharing_granted', 'sharing_revoked'],
};

/** Modulus 11, written out independently of the generator. */
function validNhs(text: string): boolean {
  const d = text.replace(/ /g, '');
  if (!/^\d{10}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(d[i]) * (10 - i);
  const check = (11 - (sum % 11)) % 11;
  return check !== 10 && check === Number(d[9]);
}

const TS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})$/;
function parseTs(text: string): number | undefined {
  const m = TS.exec(text);
  if (!m) return undefined;
  const [, , mo, d, h, mi, s] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 59) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
const isInt = (s: string) => /^-?\d+$/.test(s);
const isNumber = (s: string) => /^-?\d+(\.\d+)?$/.test(s);

type Verdict = string | undefined; // a bad-row kind, or undefined when the row is valid

interface State {
  orgs: Set<string>;
  campaigns: Set<string>;
  seen: Map<string, string>;
  duplicates: number;
}

function checkEvent(f: BatchFile, row: string[], state: State): Verdict {
  const v = Object.fromEntries(f.header.map((h, i) => [h, row[i] ?? '']));
  const required: Record<string, string[]> = {
    enrolment_events: ['event_id', 'occurred_at', 'nhs_number', 'practice_code', 'org_code', 'event_type'],
    usage_events: ['event_id', 'occurred_at', 'nhs_number', 'event_type'],
    record_feeds: ['event_id', 'occurred_at', 'nhs_number', 'source_org_code', 'record_type', 'item_count'],
    consent_events: ['event_id', 'occurred_at', 'nhs_number', 'org_code', 'event_type'],
  };
  if ((required[f.kind] ?? []).some((c) => v[c] === '')) return 'missing_field';
  if (!validNhs(v.nhs_number as string)) return 'bad_nhs_number';
  const t = parseTs(v.occurred_at as string);
  if (t === undefined) return 'bad_value';
  if (t > deliveryTime(f.batch)) return 'future_timestamp';
  const enumOk = (value: string, allowed: string[], optional = false) => (optional && value === '') || allowed.includes(value);
  const knownOrg = (code: string, optional = false) => (optional && code === '') || state.orgs.has(code);
  switch (f.kind) {
    case 'enrolment_events':
      if (!enumOk(v.event_type!, ENUMS.enrolment_type) || !enumOk(v.channel!, ENUMS.enrolment_channel, true)) return 'unknown_value';
      if (!knownOrg(v.practice_code!) || !knownOrg(v.org_code!)) return 'unknown_org';
      if (v.campaign_code !== '' && !state.campaigns.has(v.campaign_code!)) return 'unknown_campaign';
      break;
    case 'usage_events':
      if (!enumOk(v.event_type!, ENUMS.usage_type) || !enumOk(v.platform!, ENUMS.platform, true)) return 'unknown_value';
      if (!knownOrg(v.org_code!, true)) return 'unknown_org';
      break;
    case 'record_feeds':
      if (!enumOk(v.record_type!, ENUMS.record_type)) return 'unknown_value';
      if (!knownOrg(v.source_org_code!)) return 'unknown_org';
      if (!isInt(v.item_count!) || Number(v.item_count) < 1) return 'bad_value';
      break;
    case 'consent_events':
      if (!enumOk(v.event_type!, ENUMS.consent_type)) return 'unknown_value';
      if (v.org_code !== '*' && !knownOrg(v.org_code!)) return 'unknown_org';
      break;
  }
  // Idempotency: same id + same content = duplicate (fine); same id + other content = conflict.
  const key = `${f.kind}:${v.event_id}`;
  const content = row.join('\u0001');
  const before = state.seen.get(key);
  if (before === undefined) state.seen.set(key, content);
  else if (before === content) state.duplicates++;
  else return 'conflict';
  return undefined;
}

function checkReference(f: BatchFile, row: string[], state: State): Verdict {
  const v = Object.fromEntries(f.header.map((h, i) => [h, row[i] ?? '']));
  switch (f.kind) {
    case 'organisations':
      if (!/^[A-Z0-9]{3,8}$/.test(v.org_code!)) return 'bad_value';
      if (!ENUMS.org_type.includes(v.org_type!)) return 'unknown_value';
      if (v.org_type === 'practice' && !(isInt(v.eligible_population!) && Number(v.eligible_population) > 0)) return 'bad_value';
      if (v.go_live_date !== '' && !isDate(v.go_live_date!)) return 'bad_value';
      if (v.target_uptake_pct !== '' && !(isNumber(v.target_uptake_pct!) && Number(v.target_uptake_pct) <= 100)) return 'bad_value';
      state.orgs.add(v.org_code!);
      return undefined;
    case 'campaigns':
      if (!ENUMS.campaign_channel.includes(v.channel!)) return 'unknown_value';
      if (!state.orgs.has(v.org_code!)) return 'unknown_org';
      if (!isDate(v.start_date!) || !isDate(v.end_date!) || v.end_date! < v.start_date!) return 'bad_value';
      if (!isNumber(v.cost_gbp!) || Number(v.cost_gbp) < 0) return 'bad_value';
      state.campaigns.add(v.campaign_code!);
      return undefined;
    case 'programme_costs':
      if (!ENUMS.category.includes(v.category!)) return 'unknown_value';
      if (!state.orgs.has(v.org_code!)) return 'unknown_org';
      if (!isDate(v.period_start!) || !isDate(v.period_end!) || !isNumber(v.amount_gbp!)) return 'bad_value';
      return undefined;
    case 'patients':
      if (!validNhs(v.nhs_number!)) return 'bad_nhs_number';
      if (!ENUMS.sex.includes(v.sex!)) return 'unknown_value';
      if (!state.orgs.has(v.practice_code!)) return 'unknown_org';
      if (!isInt(v.birth_year!) || Number(v.birth_year) < 1900 || Number(v.birth_year) > 2030) return 'bad_value';
      if (v.imd_decile !== '' && !(isInt(v.imd_decile!) && Number(v.imd_decile) >= 1 && Number(v.imd_decile) <= 10)) return 'bad_value';
      return undefined;
  }
  return 'unknown_file';
}

describe('generated files follow the export contract', () => {
  let gen: Generated;
  let files: BatchFile[];
  const found: { kind: string; batch: string; file: string; line: number }[] = [];
  const state: State = { orgs: new Set(), campaigns: new Set(), seen: new Map(), duplicates: 0 };
  let eventRows = 0;

  beforeAll(async () => {
    gen = await generateSmall({ scale: 0.01, days: 180, end: '2026-11-23', seed: 7 });
    files = readBatches(gen.dir);
    // Reference files first within a batch (the importer upserts them before events).
    const order = ['organisations', 'campaigns', 'programme_costs', 'patients'];
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : 10);
    files.sort((a, b) => a.batch.localeCompare(b.batch) || rank(a.kind) - rank(b.kind) || a.file.localeCompare(b.file));
    for (const f of files) {
      const isEvent = f.kind.endsWith('_events') || f.kind === 'record_feeds';
      f.rows.forEach((row, i) => {
        if (isEvent) eventRows++;
        const verdict = isEvent ? checkEvent(f, row, state) : checkReference(f, row, state);
        if (verdict) found.push({ kind: verdict, batch: f.batch, file: f.file, line: i + 2 });
      });
    }
  });
  afterAll(() => gen?.cleanup());

  it('names batch folders by delivery time and puts only contract file names inside', () => {
    const batches = [...new Set(files.map((f) => f.batch))];
    expect(batches.length).toBe(gen.manifest.batches.length);
    for (const b of batches) expect(b).toMatch(/^\d{4}-\d{2}-\d{2}T02-00Z$/);
    for (const f of files) expect(f.file).toMatch(/^(organisations|campaigns|programme_costs|patients|enrolment_events|usage_events|record_feeds|consent_events)(\.part-\d{4})?\.csv\.gz$/);
    // Reference data arrives in the first batch.
    const first = files.filter((f) => f.batch === batches[0]).map((f) => f.kind);
    expect(first).toEqual(expect.arrayContaining(['organisations', 'campaigns', 'programme_costs', 'patients']));
  });

  it('writes exactly the contract header in every file', () => {
    for (const f of files) expect(f.header, `${f.batch}/${f.file}`).toEqual(HEADERS[f.kind]);
    const ragged = files.flatMap((f) => f.rows.filter((row) => row.length !== f.header.length));
    expect(ragged).toEqual([]);
  });

  it('plants bad rows exactly where the manifest says, of the kinds it says', () => {
    const key = (r: { kind: string; batch: string; file: string; line: number }) => `${r.batch}/${r.file}:${r.line}:${r.kind}`;
    expect(found.map(key).sort()).toEqual(gen.manifest.bad_rows.rows.map(key).sort());
    const byKind: Record<string, number> = {};
    for (const r of found) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    for (const [kind, count] of Object.entries(gen.manifest.bad_rows.by_kind)) expect(byKind[kind] ?? 0, kind).toBe(count);
    expect(state.duplicates).toBe(gen.manifest.duplicates.total);
  });

  it('spoils about 0.1% of event rows, in every way the importer must quarantine', () => {
    const badEvents = found.filter((r) => !r.file.startsWith('patients')).length;
    expect(eventRows).toBeGreaterThan(50_000);
    expect(badEvents / eventRows).toBeGreaterThan(0.0005);
    expect(badEvents / eventRows).toBeLessThan(0.002);
    const kinds = new Set(found.map((r) => r.kind));
    for (const kind of ['bad_nhs_number', 'unknown_value', 'unknown_org', 'unknown_campaign', 'bad_value', 'future_timestamp', 'missing_field', 'conflict'])
      expect(kinds, kind).toContain(kind);
    expect(state.duplicates).toBeGreaterThan(0);
  });

  it('mixes Z and +01:00 timestamps and spaced NHS numbers, as the contract allows', () => {
    const usage = files.filter((f) => f.kind === 'usage_events').flatMap((f) => f.rows);
    const z = usage.filter((r) => r[1]?.endsWith('Z')).length;
    const bst = usage.filter((r) => r[1]?.endsWith('+01:00')).length;
    const spacedNhs = usage.filter((r) => / /.test(r[2] ?? '')).length;
    expect(z / usage.length).toBeGreaterThan(0.3);
    expect(bst / usage.length).toBeGreaterThan(0.1);
    expect(spacedNhs / usage.length).toBeGreaterThan(0.01);
    expect(spacedNhs / usage.length).toBeLessThan(0.06);
  });

  it('counts in the manifest match the files', () => {
    const rows: Record<string, number> = {};
    for (const f of files) rows[f.kind] = (rows[f.kind] ?? 0) + f.rows.length;
    expect(rows).toEqual(Object.fromEntries(Object.entries(gen.manifest.counts.rows).filter(([, n]) => n > 0)));
    expect(gen.summary.patients).toBe(23_000);
    expect(gen.manifest.counts.practices).toBe(5);
    expect(gen.manifest.counts.ccgs).toBe(2);
  });
});
