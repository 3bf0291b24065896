import { useMemo, useState } from 'preact/hooks';
import type { Column, Grain, Row } from '../api/types.js';
import { formatCell, isSuppressed, valueLabel } from '../lib/format.js';
import { SUPPRESSION_SHORT } from './Suppression.js';

export interface TableSort {
  column: string;
  direction: 'ascending' | 'descending';
}

/** A sort as kept in a URL parameter: `column` (ascending) or `-column` (descending). */
export const sortParam = (s: TableSort): string => (s.direction === 'descending' ? `-${s.column}` : s.column);

/** The sort a URL parameter names (see sortParam), or undefined when it names none. */
export function sortFromParam(v: string | null | undefined): TableSort | undefined {
  if (!v || !/^-?[a-z0-9_]+$/i.test(v)) return undefined;
  return v.startsWith('-') ? { column: v.slice(1), direction: 'descending' } : { column: v, direction: 'ascending' };
}

export interface DataTableProps {
  caption: string;
  columns: Column[];
  rows: Row[];
  grain?: Grain | string;
  /** Rows shown before "Show all" (long practice lists). */
  pageSize?: number;
  sortable?: boolean;
  initialSort?: TableSort;
  /** Told of each change of sort (e.g. to keep it in the URL, so it survives a reload). */
  onSortChange?: (sort: TableSort) => void;
  /** Makes the first cell of each row a button (keyboard-reachable drill-down). */
  onRowSelect?: (row: Row) => void;
  rowSelectLabel?: (row: Row) => string;
  /** Highlights a row (e.g. the selected organisation). */
  isHighlighted?: (row: Row) => boolean;
  /** Extra rendered cell after the data columns (e.g. a RAG badge). */
  extra?: { header: string; cell: (row: Row) => preact.ComponentChild };
  /** Columns of codes shown as a reader would say them, as the charts do (valueLabel: `sms` → "SMS"); the CSV keeps the codes. */
  labelled?: string[];
  captionHidden?: boolean;
}

function compare(a: Row, b: Row, col: Column): number {
  const sa = isSuppressed(a, col.name);
  const sb = isSuppressed(b, col.name);
  const va = a[col.name];
  const vb = b[col.name];
  // Hidden and missing values sort last whatever the direction, so the top of the table is real.
  const na = sa || va === null || va === undefined;
  const nb = sb || vb === null || vb === undefined;
  if (na || nb) return Number(na) - Number(nb);
  if (typeof va === 'number' && typeof vb === 'number') return va - vb;
  return String(va).localeCompare(String(vb), 'en-GB', { numeric: true });
}

export function DataTable(props: DataTableProps) {
  const { columns, rows, grain, pageSize = 100, sortable = true, onRowSelect, isHighlighted, extra, labelled } = props;
  const [sort, setSort] = useState<TableSort | null>(props.initialSort ?? null);
  const [showAll, setShowAll] = useState(false);

  const sorted = useMemo(() => {
    if (!sort) return rows;
    const col = columns.find((c) => c.name === sort.column);
    if (!col) return rows;
    const dir = sort.direction === 'ascending' ? 1 : -1;
    return [...rows].sort((a, b) => {
      const c = compare(a, b, col);
      const missing = (r: Row) => isSuppressed(r, col.name) || r[col.name] === null || r[col.name] === undefined;
      return missing(a) || missing(b) ? c : c * dir;
    });
  }, [rows, columns, sort]);

  const visible = showAll ? sorted : sorted.slice(0, pageSize);

  const toggleSort = (name: string) => {
    const next: TableSort =
      sort?.column === name
        ? { column: name, direction: sort.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column: name, direction: columns.find((c) => c.name === name)?.type === 'number' ? 'descending' : 'ascending' };
    setSort(next);
    props.onSortChange?.(next);
  };

  return (
    // A wide or long table scrolls inside its card: as a labelled, focusable region it can be
    // scrolled with the keyboard too.
    <section class="table-wrap" aria-label={`${props.caption} (table)`} tabIndex={0}>
      <table class="data-table">
        <caption class={props.captionHidden ? 'visually-hidden' : undefined}>{props.caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.name}
                scope="col"
                class={c.type === 'number' ? 'num' : undefined}
                aria-sort={sort?.column === c.name ? sort.direction : undefined}
              >
                {sortable ? (
                  <button type="button" class="sort-button" onClick={() => toggleSort(c.name)}>
                    {c.label}
                    <span class="sort-icon" aria-hidden="true">
                      {sort?.column === c.name ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}
                    </span>
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
            {extra && <th scope="col">{extra.header}</th>}
          </tr>
        </thead>
        <tbody>
          {visible.map((row, i) => (
            <tr key={i} class={isHighlighted?.(row) ? 'highlight' : undefined}>
              {columns.map((c, j) => {
                const hidden = isSuppressed(row, c.name);
                const value = row[c.name];
                const text = !hidden && typeof value === 'string' && value !== '' && labelled?.includes(c.name) ? valueLabel(value) : formatCell(value, c, hidden, grain);
                const content = hidden ? (
                  <abbr class="suppressed" title={SUPPRESSION_SHORT}>
                    *
                  </abbr>
                ) : (
                  text
                );
                if (j === 0 && onRowSelect) {
                  return (
                    <th scope="row" key={c.name}>
                      <button
                        type="button"
                        class="link-button"
                        onClick={() => onRowSelect(row)}
                        aria-label={props.rowSelectLabel?.(row)}
                      >
                        {content}
                      </button>
                    </th>
                  );
                }
                return j === 0 ? (
                  <th scope="row" key={c.name} class={c.type === 'number' ? 'num' : undefined}>
                    {content}
                  </th>
                ) : (
                  <td key={c.name} class={c.type === 'number' ? 'num' : undefined}>
                    {content}
                  </td>
                );
              })}
              {extra && <td>{extra.cell(row)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length > pageSize && (
        <button type="button" class="button-secondary show-all" onClick={() => setShowAll((s) => !s)}>
          {showAll ? `Show the first ${pageSize} rows` : `Show all ${sorted.length} rows`}
        </button>
      )}
    </section>
  );
}
