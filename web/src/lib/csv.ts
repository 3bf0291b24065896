import type { Column, Row } from '../api/types.js';
import { SUPPRESSED_MARK, isSuppressed } from './format.js';

function quote(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The rows of a chart as RFC 4180 CSV, with the column labels as the header. Values are raw
 * (no thousands separators) so spreadsheets read them as numbers; suppressed cells are `*`.
 */
export function toCsv(columns: Column[], rows: Row[]): string {
  const lines = [columns.map((c) => quote(c.unit ? `${c.label} (${c.unit})` : c.label)).join(',')];
  for (const row of rows) {
    lines.push(
      columns
        .map((c) => {
          if (isSuppressed(row, c.name)) return SUPPRESSED_MARK;
          const v = row[c.name];
          return v === null || v === undefined ? '' : quote(String(v));
        })
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function csvFileName(title: string, suffix?: string): string {
  const slug = `${title}${suffix ? `-${suffix}` : ''}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${slug || 'data'}.csv`;
}

export function downloadCsv(fileName: string, csv: string): void {
  // A BOM so that Excel opens the £ sign and names correctly.
  const blob = new Blob(['\ufeff', csv], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
