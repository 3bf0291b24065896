/**
 * A self-contained HTML page rendered from the OpenAPI document (no scripts, no CDN: the machine
 * is offline) plus the metric catalogue's definitions.
 */
import type { MetricDefinition } from '../metrics/catalogue.js';

type OpenApiDoc = {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { summary?: string; description?: string; parameters?: Array<Record<string, unknown>>; responses?: Record<string, { description?: string }> }>>;
};

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

function schemaText(schema: unknown): string {
  if (!schema || typeof schema !== 'object') return '';
  const s = schema as { type?: string; enum?: unknown[]; format?: string; pattern?: string };
  if (s.enum) return `one of ${s.enum.map((v) => `<code>${esc(v)}</code>`).join(', ')}`;
  return [s.type, s.format].filter(Boolean).map(esc).join(', ');
}

export function renderDocsPage(doc: OpenApiDoc, metrics: readonly MetricDefinition[]): string {
  const endpoints = Object.entries(doc.paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const params = (op.parameters ?? [])
          .map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${schemaText(p.schema)}</td><td>${esc(p.description)}</td></tr>`)
          .join('');
        const responses = Object.entries(op.responses ?? {})
          .map(([code, r]) => `<li><code>${esc(code)}</code> ${esc(r.description)}</li>`)
          .join('');
        return `<section id="${esc(method + path)}"><h3><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary)}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params ? `<table><thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${params}</tbody></table>` : ''}
<ul>${responses}</ul></section>`;
      }),
    )
    .join('\n');
  const metricRows = metrics
    .map(
      (m) => `<section id="metric-${esc(m.name)}"><h3><code>${esc(m.name)}</code> — ${esc(m.label)}</h3><p>${esc(m.description)}</p>
<p><b>Unit</b> ${esc(m.unit)} · <b>Grains</b> ${esc(m.grains.join(', ') || '—')} · <b>Levels</b> ${esc(m.levels.join(', ') || '—')} · <b>Breakdowns (by)</b> ${esc(m.dimensions.join(', ') || '—')}</p>
<details><summary>Columns</summary><table><thead><tr><th>Column</th><th>Label</th><th>Type</th><th>Unit</th><th>Disclosure</th></tr></thead><tbody>${m.columns
        .map((c) => `<tr><td><code>${esc(c.name)}</code></td><td>${esc(c.label)}</td><td>${esc(c.type)}</td><td>${esc(c.unit ?? '')}</td><td>${esc(c.protect.kind)}</td></tr>`)
        .join('')}</tbody></table></details></section>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} — API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#212b32}
code{background:#f0f4f5;padding:0 .2em;border-radius:3px}table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border:1px solid #d8dde0;padding:.25rem .5rem;text-align:left;vertical-align:top}.m{background:#005eb8;color:#fff;padding:0 .4em;border-radius:3px;font-size:.85em}
section{border-top:1px solid #d8dde0;padding-top:.5rem}</style></head><body>
<h1>${esc(doc.info.title)} <small>v${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json"><code>/api/openapi.json</code></a> (OpenAPI 3).</p>
<h2>Endpoints</h2>${endpoints}<h2>Metrics</h2>${metricRows}</body></html>`;
}
