import type { ComponentChildren } from 'preact';
import { NotAvailable } from '../api/client.js';
import type { Loadable } from '../api/hooks.js';
import { useApp } from '../lib/context.js';
import { describeRange } from '../lib/filters.js';
import { LEVEL_LABELS, ancestry } from '../lib/orgs.js';
import { hrefFor } from '../lib/router.js';
import { type RagShown, ragLabel } from '../lib/rag.js';

/** Page heading: what the page shows, for which organisation and dates, with the org's ancestry. */
export function PageHeader({ title, caption, children }: { title: string; caption?: ComponentChildren; children?: ComponentChildren }) {
  const { orgs, filters, route } = useApp();
  const chain = ancestry(orgs, filters.org);
  const org = orgs.byCode.get(filters.org);
  return (
    <div class="page-intro">
      {chain.length > 1 && (
        <nav aria-label="Organisation hierarchy">
          <ol class="breadcrumbs">
            {chain.map((o, i) => {
              const q = new URLSearchParams(route.query);
              if (o.code === orgs.root) q.delete('org');
              else q.set('org', o.code);
              q.delete('level');
              return (
                <li key={o.code}>
                  {i === chain.length - 1 ? <span aria-current="location">{o.name}</span> : <a href={hrefFor(route.path, q)}>{o.name}</a>}
                </li>
              );
            })}
          </ol>
        </nav>
      )}
      <div class="page-head">
        <h1>{title}</h1>
        <p class="page-caption">
          {org?.name}
          {org && ` (${LEVEL_LABELS[org.type]?.one ?? org.type})`} · {describeRange(filters)}
        </p>
      </div>
      {caption && <p class="lede">{caption}</p>}
      {children}
    </div>
  );
}

export function Tile({
  label,
  value,
  detail,
  hero,
  loading,
  testId,
  source,
}: {
  label: string;
  value: ComponentChildren;
  detail?: ComponentChildren;
  hero?: boolean;
  loading?: boolean;
  testId?: string;
  /** The answer the figure comes from: one the organisation cannot have says so, instead of a figure. */
  source?: Loadable<unknown>;
}) {
  if (source?.status === 'error' && source.error instanceof NotAvailable) {
    return (
      <div class={`tile tile-unavailable${hero ? ' tile-hero' : ''}`} data-testid={testId}>
        <p class="tile-label">{label}</p>
        <p class="tile-value">Not available</p>
        <p class="tile-detail">Counted by patients' registered GP practice: there is no figure for this organisation.</p>
      </div>
    );
  }
  return (
    <div class={`tile${hero ? ' tile-hero' : ''}${loading ? ' tile-loading' : ''}`} data-testid={testId} aria-busy={loading ? 'true' : undefined}>
      <p class="tile-label">{label}</p>
      <p class="tile-value">{loading ? '…' : value}</p>
      {detail && <p class="tile-detail">{detail}</p>}
    </div>
  );
}

export function RagBadge({ rag }: { rag: RagShown }) {
  return (
    <span class={`rag rag-${rag}`} title={rag === 'hidden' ? 'Hidden with the uptake to protect patients\' privacy (small numbers).' : undefined}>
      {ragLabel(rag)}
    </span>
  );
}

export interface LegendItem {
  label: string;
  colour: string;
  kind?: 'box' | 'line' | 'dash';
}

export function Legend({ items }: { items: LegendItem[] }) {
  return (
    <ul class="chart-legend" aria-label="Key">
      {items.map((it) => (
        <li key={it.label}>
          <span
            class={`swatch${it.kind === 'line' ? ' swatch-line' : it.kind === 'dash' ? ' swatch-dash' : ''}`}
            style={it.kind === 'dash' ? { borderColor: it.colour } : { background: it.colour }}
            aria-hidden="true"
          />
          {it.label}
        </li>
      ))}
    </ul>
  );
}

/** Says plainly when a page shows a wider area than the organisation chosen. */
export function ScopeNotice({ chosen, shown }: { chosen: string; shown: string }) {
  const { orgs } = useApp();
  if (chosen === shown) return null;
  const c = orgs.byCode.get(chosen);
  const s = orgs.byCode.get(shown);
  return (
    <p class="notice" role="status" data-testid="scope-notice">
      Patients are counted at their GP practice, so {c?.name ?? chosen} ({c ? LEVEL_LABELS[c.type]?.one : ''}) has no figures of its own here:
      this page shows <strong>{s?.name ?? shown}</strong>. The Rollout page shows uptake at {c?.name ?? chosen}.
    </p>
  );
}
