/**
 * The SQL workbench's quick chart of a result: a mark (bar, line or dot), x, y and an optional
 * colour, chosen from the result's columns. `resultChart(data, { width, … })` draws it with
 * Observable Plot; `defaultChart` guesses a first choice (a date or text on x, the first number on
 * y, a text column with few values as colour).
 */
import * as Plot from '@observablehq/plot';
import type { Cell, ResultColumn } from '../api/sql.js';
import { cellDate, cellNumber, cellText, isNumeric, isTemporal } from '../components/sql/cells.js';
import { COLOURS, SERIES } from './values.js';

export type ChartMark = 'bar' | 'line' | 'dot';

export interface ChartChoice {
  mark: ChartMark;
  /** Column indexes; colour null for one series. */
  x: number;
  y: number;
  colour: number | null;
}

export interface ResultData {
  columns: ResultColumn[];
  rows: Cell[][];
}

/** Categories drawn at most (a bar chart of 10,000 practices helps nobody): the first rows'. */
export const MAX_CATEGORIES = 60;
/** Series drawn at most for a colour; the others are left out (and said so). */
const MAX_SERIES = 10;

const distinct = (rows: Cell[][], i: number, stopAt: number) => {
  const seen = new Set<string>();
  for (const r of rows) {
    seen.add(cellText(r[i] ?? null));
    if (seen.size > stopAt) break;
  }
  return seen.size;
};

/** A first chart for a result, or null when it has no numeric column to draw. */
export function defaultChart({ columns, rows }: ResultData): ChartChoice | null {
  const numbers = columns.map((c, i) => (isNumeric(c) ? i : -1)).filter((i) => i >= 0);
  if (numbers.length === 0) return null;
  const dates = columns.map((c, i) => (isTemporal(c) ? i : -1)).filter((i) => i >= 0);
  const texts = columns.map((c, i) => (!isNumeric(c) && !isTemporal(c) ? i : -1)).filter((i) => i >= 0);
  if (dates.length) {
    const x = dates[0]!;
    const colour = texts.find((i) => distinct(rows, i, MAX_SERIES) <= MAX_SERIES) ?? null;
    return { mark: 'line', x, y: numbers[0]!, colour };
  }
  if (texts.length) return { mark: 'bar', x: texts[0]!, y: numbers[0]!, colour: null };
  if (numbers.length >= 2) return { mark: 'dot', x: numbers[0]!, y: numbers[1]!, colour: null };
  return null;
}

type Datum = { x: unknown; y: number | null; c: string | null };

/** What will be drawn: the rows' values for the choice, limited as the chart is. */
export function chartData({ columns, rows }: ResultData, choice: ChartChoice): { data: Datum[]; categorical: boolean; omitted: string | null } {
  const xc = columns[choice.x]!;
  const xKind = isTemporal(xc) ? 'date' : isNumeric(xc) ? 'number' : 'text';
  let data: Datum[] = rows.map((r) => ({
    x: xKind === 'date' ? cellDate(r[choice.x] ?? null) : xKind === 'number' ? cellNumber(r[choice.x] ?? null) : cellText(r[choice.x] ?? null),
    y: cellNumber(r[choice.y] ?? null),
    c: choice.colour === null ? null : cellText(r[choice.colour] ?? null),
  }));
  data = data.filter((d) => d.x !== null && d.y !== null);
  const notes: string[] = [];
  const categorical = xKind === 'text';
  if (categorical) {
    const keep = new Set<unknown>();
    for (const d of data) if (keep.size < MAX_CATEGORIES || keep.has(d.x)) keep.add(d.x);
    const all = new Set(data.map((d) => d.x)).size;
    if (all > keep.size) {
      data = data.filter((d) => keep.has(d.x));
      notes.push(`the first ${MAX_CATEGORIES} of ${all.toLocaleString('en-GB')} ${columns[choice.x]!.name} values are drawn`);
    }
  }
  if (choice.colour !== null) {
    const series = new Set<string>();
    for (const d of data) if (series.size < MAX_SERIES) series.add(d.c!);
    const all = new Set(data.map((d) => d.c)).size;
    if (all > series.size) {
      data = data.filter((d) => series.has(d.c!));
      notes.push(`the first ${MAX_SERIES} of ${all.toLocaleString('en-GB')} ${columns[choice.colour]!.name} values are coloured and drawn`);
    }
  }
  return { data, categorical, omitted: notes.length ? `Only ${notes.join('; ')}.` : null };
}

/**
 * Draws the chart at `width`. The figure is one image for assistive technology (PlotView gives it
 * role img and a label): Plot's labels on its inner groups ("bar", "x-axis tick") are taken off, as
 * ARIA does not allow a label on an element without a role.
 */
export function resultChart(result: ResultData, options: ChartChoice & { width: number }): SVGSVGElement | HTMLElement {
  const figure = drawChart(result, options);
  for (const el of figure.querySelectorAll('[aria-label], [aria-description]')) {
    el.removeAttribute('aria-label');
    el.removeAttribute('aria-description');
  }
  return figure;
}

function drawChart(result: ResultData, options: ChartChoice & { width: number }): SVGSVGElement | HTMLElement {
  const { width, ...choice } = options;
  const { data, categorical } = chartData(result, choice);
  const xName = result.columns[choice.x]!.name;
  const yName = result.columns[choice.y]!.name;
  const colourName = choice.colour === null ? null : result.columns[choice.colour]!.name;
  const colour = colourName ? { legend: true, label: colourName, range: SERIES as unknown as string[] } : undefined;
  const style = { fontFamily: 'inherit', fontSize: '13px', color: COLOURS.text, background: 'transparent', overflow: 'visible' };
  const tip = { fill: 'white' };

  if (choice.mark === 'bar' && categorical) {
    // Categories down the side, so long names stay readable; in the result's order.
    const categories = [...new Set(data.map((d) => d.x as string))];
    const longest = Math.max(...categories.map((c) => c.length), 4);
    return Plot.plot({
      width,
      height: Math.max(200, categories.length * (colourName ? 22 : 18) + 60),
      marginLeft: Math.min(240, longest * 7 + 16),
      marginRight: 24,
      style,
      x: { label: yName, grid: true },
      y: { label: null, domain: categories },
      color: colour,
      marks: [
        Plot.barX(data, { y: 'x', x: 'y', fill: colourName ? 'c' : COLOURS.blue, tip, title: (d: Datum) => `${String(d.x)}${d.c ? ` · ${d.c}` : ''}\n${yName}: ${d.y}` }),
        Plot.ruleX([0]),
      ],
    });
  }

  const common = { width, height: 340, marginLeft: 64, marginRight: 24, marginBottom: 44, style, color: colour };
  const xScale = { label: xName, ...(categorical ? { tickRotate: categoriesNeedRotation(data) ? -35 : 0 } : {}) };
  if (choice.mark === 'bar') {
    // Dates or numbers along x: one bar per value (an ordinal scale, its ticks thinned out).
    const values = [...new Set(data.map((d) => (d.x instanceof Date ? d.x.getTime() : (d.x as number))))].sort((a, b) => a - b);
    const step = Math.max(1, Math.ceil(values.length / Math.max(2, Math.floor(width / 90))));
    const isDate = data[0]?.x instanceof Date;
    const fmt = (v: number) => (isDate ? new Date(v).toISOString().slice(0, 10) : String(v));
    const bars = data.map((d) => ({ ...d, x: d.x instanceof Date ? d.x.getTime() : d.x }));
    return Plot.plot({
      ...common,
      x: { label: xName, domain: values, ticks: values.filter((_, i) => i % step === 0), tickFormat: fmt },
      y: { label: yName, grid: true },
      marks: [Plot.barY(bars, { x: 'x', y: 'y', fill: colourName ? 'c' : COLOURS.blue, tip, title: (d: Datum) => `${fmt(d.x as number)}${d.c ? ` · ${d.c}` : ''}\n${yName}: ${d.y}` }), Plot.ruleY([0])],
    });
  }
  if (choice.mark === 'line') {
    return Plot.plot({
      ...common,
      x: xScale,
      y: { label: yName, grid: true },
      marks: [
        Plot.lineY(data, { x: 'x', y: 'y', z: colourName ? 'c' : undefined, stroke: colourName ? 'c' : COLOURS.blue, strokeWidth: 2, sort: categorical ? undefined : 'x' }),
        Plot.dot(data, Plot.pointerX({ x: 'x', y: 'y', fill: colourName ? 'c' : COLOURS.blue, r: 4 })),
        Plot.tip(data, Plot.pointerX({ x: 'x', y: 'y', title: (d: Datum) => `${label(d.x)}${d.c ? ` · ${d.c}` : ''}\n${yName}: ${d.y}` })),
      ],
    });
  }
  return Plot.plot({
    ...common,
    x: { ...xScale, grid: !categorical },
    y: { label: yName, grid: true },
    marks: [Plot.dot(data, { x: 'x', y: 'y', stroke: colourName ? 'c' : COLOURS.blue, fill: colourName ? 'c' : COLOURS.blue, fillOpacity: 0.5, r: 3.5, tip, title: (d: Datum) => `${label(d.x)}${d.c ? ` · ${d.c}` : ''}\n${yName}: ${d.y}` })],
  });
}

function label(x: unknown): string {
  return x instanceof Date ? x.toISOString().slice(0, 10) : String(x);
}

function categoriesNeedRotation(data: Datum[]): boolean {
  const cats = new Set(data.map((d) => String(d.x)));
  return cats.size > 8 || [...cats].some((c) => c.length > 10);
}
