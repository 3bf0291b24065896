import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Cell, ResultColumn } from '../../api/sql.js';
import { cellText, isNumeric } from './cells.js';

interface Props {
  columns: ResultColumn[];
  rows: Cell[][];
  /** Read out before the table (e.g. "Result: 1,234 rows"). */
  caption: string;
  /** Pixels per row (every row is one line high; long values end in … and show whole on hover). */
  rowHeight?: number;
  /** Rows drawn beyond the visible ones on each side, so that scrolling shows no gap. */
  overscan?: number;
  /** Height of the box when it cannot be measured (tests). */
  fallbackHeight?: number;
}

const CHAR_PX = 8;

/** Column widths from the header and the first rows' values, so that columns do not jump while scrolling. */
function widths(columns: ResultColumn[], rows: Cell[][]): number[] {
  const sample = rows.slice(0, 200);
  return columns.map((c, i) => {
    // Header names are bold (wider per character) and types small.
    let chars = Math.max(c.name.length * 1.15, c.type.length * 0.8);
    for (const r of sample) chars = Math.max(chars, cellText(r[i] ?? null).length);
    return Math.round(Math.min(360, Math.max(72, chars * CHAR_PX + 28)));
  });
}

/**
 * A query's result as a table that stays fast at 10,000 rows and more: only the rows in view (and
 * a few either side) are in the page; spacer rows keep the scroll bar true. The table scrolls in
 * its own box, both ways, so a wide result never widens the page. Screen readers hear the whole
 * size (aria-rowcount) and each row's place in it (aria-rowindex).
 */
export function ResultTable({ columns, rows, caption, rowHeight = 30, overscan = 12, fallbackHeight = 420 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(fallbackHeight);
  const cols = useMemo(() => widths(columns, rows), [columns, rows]);
  const numeric = useMemo(() => columns.map(isNumeric), [columns]);
  const rowNumberWidth = Math.max(48, String(rows.length).length * CHAR_PX + 24);

  // A new result starts at its top.
  useEffect(() => {
    if (box.current) box.current.scrollTop = 0;
    setScrollTop(0);
  }, [rows]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || fallbackHeight);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [fallbackHeight]);

  const frame = useRef(0);
  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(box.current?.scrollTop ?? 0));
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const before = first * rowHeight;
  const after = (rows.length - last) * rowHeight;
  const total = rowNumberWidth + cols.reduce((a, b) => a + b, 0);

  return (
    <section class="result-table-box" ref={box} onScroll={onScroll} tabIndex={0} aria-label={caption} data-testid="result-table">
      <table class="result-table" style={{ width: `${total}px` }} aria-rowcount={rows.length + 1} aria-colcount={columns.length + 1}>
        <caption class="visually-hidden">{caption}</caption>
        <colgroup>
          <col style={{ width: `${rowNumberWidth}px` }} />
          {cols.map((w, i) => (
            <col key={i} style={{ width: `${w}px` }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" class="num row-number">
              <span class="visually-hidden">Row</span>
              <span aria-hidden="true">#</span>
            </th>
            {columns.map((c, i) => (
              <th key={i} scope="col" class={numeric[i] ? 'num' : undefined} title={`${c.name} (${c.type})`}>
                <span class="result-col-name">{c.name}</span>
                <span class="result-col-type">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {before > 0 && (
            // biome-ignore lint/a11y/noAriaHiddenOnFocusable: a spacer row for the rows scrolled past; it holds nothing focusable
            <tr class="spacer" aria-hidden="true" style={{ height: `${before}px` }}>
              <td colSpan={columns.length + 1} />
            </tr>
          )}
          {rows.slice(first, last).map((row, k) => {
            const index = first + k;
            return (
              <tr key={index} aria-rowindex={index + 2} style={{ height: `${rowHeight}px` }}>
                <th scope="row" class="num row-number">
                  {index + 1}
                </th>
                {columns.map((_, i) => {
                  const v = row[i] ?? null;
                  const text = cellText(v);
                  return (
                    <td key={i} class={v === null ? 'null' : numeric[i] ? 'num' : undefined} title={text.length > 30 ? text : undefined}>
                      {text}
                    </td>
                  );
                })}
              </tr>
            );
          })}
          {after > 0 && (
            // biome-ignore lint/a11y/noAriaHiddenOnFocusable: a spacer row for the rows not yet drawn; it holds nothing focusable
            <tr class="spacer" aria-hidden="true" style={{ height: `${after}px` }}>
              <td colSpan={columns.length + 1} />
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
