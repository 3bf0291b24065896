import type { ComponentChildren } from 'preact';
import { useCallback, useId, useState } from 'preact/hooks';
import { clearApiCache } from '../api/client.js';
import type { Loadable } from '../api/hooks.js';
import type { Column, Grain, Row, Suppression } from '../api/types.js';
import { PlotView, type PlotFigure } from '../charts/PlotView.js';
import { csvFileName, downloadCsv, toCsv } from '../lib/csv.js';
import { DataTable, type DataTableProps } from './DataTable.js';
import { Empty, ErrorState, Loading } from './States.js';
import { SuppressionNote } from './Suppression.js';

/**
 * What a card shows: a table of rows (which the chart draws and the CSV exports). A chart of one
 * metric takes `TableData<MetricRow<M>>`, so it reads the rows by M's column names.
 */
export interface TableData<R extends Row = Row> {
  columns: Column[];
  rows: R[];
  suppression?: Suppression | null;
  grain?: Grain | string;
  /** Hidden cells left out of totals summed in the browser. */
  hiddenInSums?: number;
}

/** What a chart is drawn for: the width it has. */
export interface ChartSize {
  width: number;
}

export interface ChartCardProps<T extends TableData> {
  /** States what the chart shows, e.g. "Uptake against target, by CCG". */
  title: string;
  subtitle?: ComponentChildren;
  data: Loadable<T>;
  /** Draws the chart for a width. Leave out for a table-only card. */
  chart?: (data: T, size: ChartSize) => PlotFigure | Promise<PlotFigure>;
  onSelect?: (datum: unknown) => void;
  isEmpty?: (data: T) => boolean;
  emptyMessage?: ComponentChildren;
  table?: Partial<Omit<DataTableProps, 'columns' | 'rows' | 'caption'>> & { hide?: string[] };
  /** Controls shown in the card header (e.g. a breakdown picker). */
  controls?: ComponentChildren;
  /** Shown under the chart (legends, notes). */
  footer?: (data: T) => ComponentChildren;
  height?: number;
  wide?: boolean;
  defaultView?: 'chart' | 'table';
  id?: string;
}

// Context columns that say nothing when they hold one value for every row (the organisation of a
// single-organisation series, the 'All' breakdown): the table leaves them out; the CSV keeps them.
const CONTEXT_COLUMNS = new Set(['org_code', 'org_name', 'breakdown', 'period_end']);

function tableColumns(columns: Column[], rows: Row[]): Column[] {
  return columns.filter((c) => {
    if (!CONTEXT_COLUMNS.has(c.name) || rows.length < 2) return true;
    const first = rows[0]![c.name];
    return rows.some((r) => r[c.name] !== first);
  });
}

function hiddenCells(rows: Row[]): number {
  let n = 0;
  for (const r of rows) n += r._suppressed?.length ?? 0;
  return n;
}

/** Asks again for everything on the page (answers are cached for a minute, so clear them first). */
function retry(): void {
  clearApiCache();
  window.location.reload();
}

export function ChartCard<T extends TableData>(props: ChartCardProps<T>) {
  const { title, data, chart } = props;
  const headingId = useId();
  const [view, setView] = useState<'chart' | 'table'>(chart ? (props.defaultView ?? 'chart') : 'table');
  const ready = data.status === 'ready' ? data.data : null;
  const empty = ready ? (props.isEmpty ? props.isEmpty(ready) : ready.rows.length === 0) : false;

  const render = useCallback((width: number) => chart!(ready!, { width }), [chart, ready]);
  const download = () => {
    if (ready) downloadCsv(csvFileName(title), toCsv(ready.columns, ready.rows));
  };

  return (
    <section class={`card${props.wide ? ' card-wide' : ''}`} aria-labelledby={headingId} id={props.id} data-card={title}>
      <header class="card-header">
        <div class="card-titles">
          <h2 id={headingId} class="card-title">
            {title}
          </h2>
          {props.subtitle && <p class="card-subtitle">{props.subtitle}</p>}
        </div>
        <div class="card-tools">
          {props.controls}
          {chart && (
            // biome-ignore lint/a11y/useSemanticElements: a pair of toggle buttons, not a form's fieldset
            <div class="segmented" role="group" aria-label={`Show ${title} as`}>
              <button type="button" aria-pressed={view === 'chart'} onClick={() => setView('chart')}>
                Chart
              </button>
              <button type="button" aria-pressed={view === 'table'} onClick={() => setView('table')}>
                Table
              </button>
            </div>
          )}
          <button type="button" class="button-secondary button-small" onClick={download} disabled={!ready || empty}>
            Download CSV<span class="visually-hidden"> of {title}</span>
          </button>
        </div>
      </header>
      <div class="card-body">
        {data.status === 'loading' && <Loading height={props.height ?? 240} label={`Loading ${title.toLowerCase()}`} />}
        {data.status === 'error' && <ErrorState error={data.error} retry={retry} />}
        {ready && empty && <Empty>{props.emptyMessage}</Empty>}
        {ready && !empty && view === 'chart' && chart && (
          <PlotView render={render} onSelect={props.onSelect} label={title} minHeight={props.height ?? 240} />
        )}
        {ready && !empty && (view === 'table' || !chart) && (
          <DataTable caption={title} captionHidden columns={tableColumns(ready.columns, ready.rows).filter((c) => !props.table?.hide?.includes(c.name))} rows={ready.rows} grain={ready.grain} {...props.table} />
        )}
        {ready && !empty && props.footer?.(ready)}
        {ready && !empty && <SuppressionNote suppression={ready.suppression} hiddenCount={hiddenCells(ready.rows) + (ready.hiddenInSums ?? 0)} summed={!!ready.hiddenInSums} />}
      </div>
    </section>
  );
}
