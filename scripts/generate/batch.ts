/**
 * Generates one task's files into a staging folder: either one batch (its period's events,
 * plus reference data in the first batch and in the re-send batches) or the first batch's
 * full patients snapshot (a separate task so that it runs in parallel with event batches).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ActivityGenerator } from './activity.js';
import type { EventRow } from './event-row.js';
import type { Period } from './calendar.js';
import type { Context } from './context.js';
import { columnNames, type EventKind, type FileKind } from '../../server/contract/export-format.js';
import { spoilHash, spoilRow, type BadKind } from './corrupt.js';
import { nhsNumberFor, invalidVariant } from './nhs-number.js';
import { PLATFORM_CODES } from './population.js';
import { hash4, Rng, Stream, unitFromHash } from './rng.js';
import {
  campaignRows,
  consentRow,
  costRows,
  enrolmentRow,
  fillEnrolmentRow,
  newEnrolmentRow,
  organisationRows,
  PatientRow,
  patientRow,
} from './rows.js';
import { KindWriter, type PendingParquet, type RowPosition, type WrittenFile } from './writers.js';

export type Task = { type: 'patients' } | { type: 'batch'; period: number };

export interface BadRowRecord {
  kind: BadKind;
  batch: string;
  file: string;
  /** 1-based line in the file (CSV: the header is line 1; NDJSON / Parquet: the row number). */
  line: number;
  event_id: string;
  column: string;
}

export interface DuplicateRecord {
  batch: string;
  file: string;
  line: number;
  event_id: string;
  original_batch: string;
}

export interface TaskResult {
  task: Task;
  batchId: string;
  files: WrittenFile[];
  pending: PendingParquet[];
  bad: BadRowRecord[];
  duplicates: DuplicateRecord[];
}

/** Share of the first patients snapshot planted as bad extra rows. */
const BAD_PATIENT_ROW_RATE = 0.0005;
/** Patients per batch-week whose earlier events are re-sent as exact duplicates / as conflicts. */
const RESEND_PICKS_PER_WEEK = 12;

interface PendingMark {
  fileKind: FileKind;
  pos: RowPosition;
  eventId: string;
  bad?: { kind: BadKind; column: string };
  originalBatch?: string;
}

/** The writers of one batch folder and what was planted in them. */
class BatchFiles {
  private readonly writers = new Map<FileKind, KindWriter>();
  private readonly marks: PendingMark[] = [];

  constructor(
    private readonly ctx: Context,
    private readonly dir: string,
    private readonly batchId: string,
  ) {}

  writer(kind: FileKind): KindWriter {
    let w = this.writers.get(kind);
    if (!w) {
      const { format, compression, partRows } = this.ctx.options;
      const quote = kind === 'organisations' || kind === 'campaigns' || kind === 'programme_costs';
      w = new KindWriter({ dir: this.dir, kind, format, compression, partRows, quote });
      this.writers.set(kind, w);
    }
    return w;
  }

  write(kind: FileKind, values: string[]): RowPosition {
    return this.writer(kind).write(values);
  }

  markBad(fileKind: FileKind, pos: RowPosition, eventId: string, kind: BadKind, column: string): void {
    this.marks.push({ fileKind, pos, eventId, bad: { kind, column } });
  }

  markDuplicate(fileKind: FileKind, pos: RowPosition, eventId: string, originalBatch: string): void {
    this.marks.push({ fileKind, pos, eventId, originalBatch });
  }

  async drain(): Promise<void> {
    for (const w of this.writers.values()) if (w.needsDrain) await w.drain();
  }

  async close(): Promise<Omit<TaskResult, 'task'>> {
    const files: WrittenFile[] = [];
    const pending: PendingParquet[] = [];
    const partNames = new Map<FileKind, string[]>();
    for (const [kind, w] of this.writers) {
      const closed = await w.close();
      files.push(...closed.files);
      pending.push(...closed.pending);
      partNames.set(kind, closed.partNames);
    }
    const csv = this.ctx.options.format === 'csv';
    const bad: BadRowRecord[] = [];
    const duplicates: DuplicateRecord[] = [];
    for (const m of this.marks) {
      const file = partNames.get(m.fileKind)?.[m.pos.part - 1] ?? m.fileKind;
      const line = csv ? m.pos.row + 1 : m.pos.row;
      if (m.bad) bad.push({ kind: m.bad.kind, batch: this.batchId, file, line, event_id: m.eventId, column: m.bad.column });
      else duplicates.push({ batch: this.batchId, file, line, event_id: m.eventId, original_batch: m.originalBatch ?? '' });
    }
    return { batchId: this.batchId, files, pending, bad, duplicates };
  }
}

export async function runTask(ctx: Context, task: Task, stagingRoot: string): Promise<TaskResult> {
  const periodIndex = task.type === 'batch' ? task.period : 0;
  const period = ctx.periods[periodIndex] as Period;
  const dir = join(stagingRoot, period.batchId);
  await mkdir(dir, { recursive: true });
  const files = new BatchFiles(ctx, dir, period.batchId);
  if (task.type === 'patients') await writePatients(ctx, files);
  else await writeBatch(ctx, period, files);
  return { task, ...(await files.close()) };
}

async function writePatients(ctx: Context, files: BatchFiles): Promise<void> {
  const { plan, options } = ctx;
  const rng = new Rng(0);
  const writer = files.writer('patients');
  const row = new PatientRow(ctx);
  let extra = 0;
  for (let i = 0; i < plan.size; i++) {
    const u = unitFromHash(hash4(options.seed, Stream.referenceRows, i, 1));
    writer.writeRow(row.fill(i, u, false));
    const h = hash4(options.seed, Stream.referenceRows, i, 7);
    if (unitFromHash(h) < BAD_PATIENT_ROW_RATE) {
      // An extra row about someone outside the population, spoiled in one way.
      rng.reseed(h);
      const nhs = nhsNumberFor(plan.size + 10 + extra++, ctx.nhsOffset);
      const row = patientRow(ctx, i, 1, false);
      row[0] = nhs;
      const way = rng.int(3);
      let kind: BadKind;
      let column: string;
      if (way === 0) {
        row[0] = invalidVariant(nhs);
        kind = 'bad_nhs_number';
        column = 'nhs_number';
      } else if (way === 1) {
        row[3] = 'Q';
        kind = 'unknown_value';
        column = 'sex';
      } else {
        row[1] = `E99${String(100 + rng.int(900))}`;
        kind = 'unknown_org';
        column = 'practice_code';
      }
      const pos = files.write('patients', row);
      files.markBad('patients', pos, '', kind, column);
    }
    if ((i & 0x3fff) === 0) await files.drain();
  }
}

async function writeBatch(ctx: Context, period: Period, files: BatchFiles): Promise<void> {
  const { plan, schedule, options, calendar } = ctx;
  const p = period.index;

  if (p === 0) {
    for (const row of organisationRows(ctx, false)) files.write('organisations', row);
    for (const row of campaignRows(ctx)) files.write('campaigns', row);
    for (const row of costRows(ctx)) files.write('programme_costs', row);
  }
  const round = plan.resendPeriods.indexOf(p);
  if (round >= 0) {
    // Patients who moved practice since the last snapshot, re-sent with their new practice.
    for (let i = 0; i < plan.size; i++) {
      if (plan.moveRound[i] === round) {
        files.write('patients', patientRow(ctx, i, unitFromHash(hash4(options.seed, Stream.referenceRows, i, 2 + round)), true));
      }
    }
    if (round === Math.floor(plan.resendPeriods.length / 2)) {
      for (const row of organisationRows(ctx, true)) files.write('organisations', row);
    }
  }

  const writeSpoiled = (kind: EventKind, values: string[], h: number) => {
    const spoiled = spoilRow(kind, values, h, period, calendar, options.format);
    const pos = files.write(kind, values);
    files.markBad(kind, pos, values[0] as string, spoiled.kind, columnNames(kind)[spoiled.column] as string);
  };
  // Patients who ever object are never spoiled (nothing is both withheld and quarantined).
  const writeEvent = (kind: EventKind, values: string[], patient: number, a: number, b: number, c: number) => {
    const h = (plan.objSec[patient] as number) < 0 ? spoilHash(options.seed, kind, a, b, c) : undefined;
    if (h === undefined) files.write(kind, values);
    else writeSpoiled(kind, values, h);
  };

  const { enrolment, consent } = schedule;
  const enrolmentWriter = files.writer('enrolment_events');
  const enrolled = newEnrolmentRow(ctx);
  for (let k = enrolment.offsets[p] as number; k < (enrolment.offsets[p + 1] as number); k++) {
    const patient = enrolment.patient[k] as number;
    const step = enrolment.step[k] as number;
    fillEnrolmentRow(ctx, enrolled, patient, step);
    const h = (plan.objSec[patient] as number) < 0 ? spoilHash(options.seed, 'enrolment_events', patient, step, 0) : undefined;
    if (h === undefined) enrolmentWriter.writeRow(enrolled);
    else writeSpoiled('enrolment_events', enrolled.values(), h);
  }
  for (let k = consent.offsets[p] as number; k < (consent.offsets[p + 1] as number); k++) {
    const patient = consent.patient[k] as number;
    const step = consent.step[k] as number;
    writeEvent('consent_events', consentRow(ctx, patient, step), patient, patient, step, 0);
  }

  // Usage and record feeds: the hot path. Rows go straight into the output buffers (writeRow);
  // only spoiled rows are turned into strings.
  const activity = new ActivityGenerator(ctx);
  const { active } = schedule;
  const activeCount = schedule.activeBefore[p] as number;
  const usageWriter = files.writer('usage_events');
  const feedWriter = files.writer('record_feeds');
  let objecting = false;
  let patient = 0;
  const usageVisitor = (row: EventRow, k: number) => {
    const h = objecting ? undefined : spoilHash(options.seed, 'usage_events', patient, p, k);
    if (h === undefined) usageWriter.writeRow(row);
    else writeSpoiled('usage_events', row.values(), h);
  };
  const feedVisitor = (row: EventRow, k: number) => {
    const h = objecting ? undefined : spoilHash(options.seed, 'record_feeds', patient, p, k);
    if (h === undefined) feedWriter.writeRow(row);
    else writeSpoiled('record_feeds', row.values(), h);
  };
  for (let rank = 0; rank < activeCount; rank++) {
    const deact = active.deact[rank] as number;
    if (deact >= 0 && deact <= period.startSec) continue;
    objecting = (active.objSec[rank] as number) >= 0;
    patient = active.patient[rank] as number;
    activity.usage(rank, period, usageVisitor);
    activity.feeds(rank, period, feedVisitor);
    if ((rank & 0x7ff) === 0) await files.drain();
  }

  if (p > 0) resend(ctx, period, files, activity);
}

/**
 * Re-sends some earlier events: exact copies (duplicates the importer must skip) and copies
 * with altered content under the same event_id (conflicts it must quarantine). Patients with
 * objections are left out so an importer withholding their rows sees no ambiguity.
 */
function resend(ctx: Context, period: Period, files: BatchFiles, activity: ActivityGenerator): void {
  const { plan, schedule, options, periods } = ctx;
  const p = period.index;
  const rng = new Rng(0).reseed(options.seed, Stream.resend, p);
  const weeks = (period.endSec - period.startSec) / (7 * 86_400);
  const picks = Math.max(1, Math.round(RESEND_PICKS_PER_WEEK * options.scale * weeks));
  const seen = new Set<string>();
  for (let pick = 0; pick < 2 * picks; pick++) {
    const conflict = pick % 2 === 1;
    const q = p - 1 - rng.int(Math.min(p, 6));
    const available = schedule.activeBefore[q] as number;
    const original = periods[q] as Period;
    const useUsage = rng.chance(0.75);
    if (available === 0) continue;
    const rank = rng.int(available);
    const patient = schedule.activeOrder[rank] as number;
    if ((plan.objSec[patient] as number) >= 0) continue;
    const key = `${useUsage ? 'u' : 'e'}:${patient}:${q}`;
    if (seen.has(key)) continue;
    seen.add(key);

    if (useUsage) {
      const rows: string[][] = [];
      activity.usage(rank, original, (row, k) => {
        if (spoilHash(options.seed, 'usage_events', patient, q, k) === undefined) rows.push(row.values());
      });
      if (rows.length === 0) continue;
      if (!conflict) {
        for (const values of rows.slice(0, 3)) {
          const pos = files.write('usage_events', values);
          files.markDuplicate('usage_events', pos, values[0] as string, original.batchId);
        }
      } else {
        const values = [...(rows[rng.int(rows.length)] as string[])];
        let column: string;
        if (rng.chance(0.5)) {
          const platform = values[5] as string;
          values[5] = PLATFORM_CODES.find((c) => c !== platform && c !== 'other') as string;
          column = 'platform';
        } else {
          values[1] = shiftSeconds(values[1] as string);
          column = 'occurred_at';
        }
        const pos = files.write('usage_events', values);
        files.markBad('usage_events', pos, values[0] as string, 'conflict', column);
      }
    } else {
      // The activation row of someone who activated in or before period q.
      const act = plan.act[patient] as number;
      const actPeriod = ctx.periods.findIndex((x) => x.endSec > act);
      if (actPeriod < 0 || actPeriod >= p) continue;
      if (spoilHash(options.seed, 'enrolment_events', patient, 2, 0) !== undefined) continue;
      const values = enrolmentRow(ctx, patient, 2);
      const originalBatch = (periods[actPeriod] as Period).batchId;
      if (!conflict) {
        const pos = files.write('enrolment_events', values);
        files.markDuplicate('enrolment_events', pos, values[0] as string, originalBatch);
      } else {
        values[6] = values[6] === 'app' ? 'web' : 'app';
        const pos = files.write('enrolment_events', values);
        files.markBad('enrolment_events', pos, values[0] as string, 'conflict', 'channel');
      }
    }
  }
}

/** Same instant to the minute, different seconds: a subtly different row under the same id. */
function shiftSeconds(ts: string): string {
  const ss = Number(ts.slice(17, 19));
  return `${ts.slice(0, 17)}${String((ss + 17) % 60).padStart(2, '0')}${ts.slice(19)}`;
}
