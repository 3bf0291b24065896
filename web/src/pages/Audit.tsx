import { useId, useState } from 'preact/hooks';
import { access } from '../api/client.js';
import { useLoad } from '../api/hooks.js';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditFilters, type AuditRecord } from '../api/types.js';
import { described, Field } from '../components/access/Fields.js';
import { ErrorState, Loading } from '../components/States.js';
import { formatCount } from '../lib/format.js';
import { roleLabel } from '../lib/roles.js';

const ACTION_LABELS: Record<string, string> = {
  sign_in: 'Sign-in',
  sign_out: 'Sign-out',
  metric_read: 'Metric read',
  export: 'Export',
  sql_query: 'SQL query',
  sql_export: 'SQL export',
  admin: 'Admin action',
  read: 'Read',
  denied: 'Refused',
};
const OUTCOME_LABELS: Record<string, string> = { ok: 'Done', denied: 'Refused', failed: 'Failed', error: 'Error' };

/** Records shown at first, and when more are asked for. */
const FIRST = 200;
const MORE = 2000;

/** "2026-03-14T18:00:05.123Z" → "14 Mar 2026 18:00:05" (UTC, as stored). */
function when(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}:\d{2}:\d{2})/.exec(iso);
  if (!m) return iso;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${Number(m[3])} ${months[Number(m[2]) - 1]} ${m[1]} ${m[4]}`;
}

function paramsText(params: string | null): string {
  if (!params) return '';
  try {
    const o = JSON.parse(params) as Record<string, unknown>;
    return Object.entries(o)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
  } catch {
    return params;
  }
}

/** The audit log (role admin only): filters, the records newest first, and the same as CSV. */
export default function Audit() {
  const id = useId();
  const [draft, setDraft] = useState<AuditFilters>({});
  const [filters, setFilters] = useState<AuditFilters>({ limit: FIRST });
  const key = `audit:${JSON.stringify(filters)}`;
  const records = useLoad(key, (s) => access.audit(filters, s));
  const set = (k: keyof AuditFilters) => (e: Event) => setDraft((d) => ({ ...d, [k]: (e.target as HTMLInputElement | HTMLSelectElement).value }));
  const apply = (e: Event) => {
    e.preventDefault();
    setFilters({ ...draft, limit: FIRST });
  };
  const clear = () => {
    setDraft({});
    setFilters({ limit: FIRST });
  };
  const fid = (f: string) => `${id}-${f}`;
  const error = records.status === 'error' ? records.error : null;
  const param = error && 'parameter' in error && typeof error.parameter === 'string' ? error.parameter : null;
  // A date the server refused is shown at its field; anything else above the table.
  const filterError = param === 'from' || param === 'to' ? param : null;
  const csvFilters = { ...filters, limit: 100_000 };
  const rows: AuditRecord[] = records.status === 'ready' ? records.data.records : [];

  return (
    <div class="account-page">
      <div class="page-intro">
        <div class="page-head">
          <h1>Audit</h1>
          <p class="page-caption">Who did what, and when</p>
        </div>
        <p class="lede">
          Every sign-in (and failed attempt), metric read, export, SQL query and admin action, newest first. Times are UTC. Passwords and
          tokens are never recorded.
        </p>
      </div>
      <form class="card filter-form" onSubmit={apply} noValidate aria-label="Filter the audit log">
        <div class="audit-filters">
          <Field id={fid('from')} label="From" error={filterError === 'from' ? error!.message : null}>
            <input id={fid('from')} class="input" type="date" value={draft.from ?? ''} onInput={set('from')} {...described(fid('from'), false, filterError === 'from' ? error!.message : null)} />
          </Field>
          <Field id={fid('to')} label="To" error={filterError === 'to' ? error!.message : null}>
            <input id={fid('to')} class="input" type="date" value={draft.to ?? ''} onInput={set('to')} {...described(fid('to'), false, filterError === 'to' ? error!.message : null)} />
          </Field>
          <Field id={fid('username')} label="Username">
            <input id={fid('username')} class="input" type="text" autoComplete="off" spellcheck={false} value={draft.username ?? ''} onInput={set('username')} />
          </Field>
          <Field id={fid('action')} label="Action">
            <select id={fid('action')} class="input" value={draft.action ?? ''} onChange={set('action')}>
              <option value="">Any action</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {ACTION_LABELS[a] ?? a}
                </option>
              ))}
            </select>
          </Field>
          <Field id={fid('outcome')} label="Outcome">
            <select id={fid('outcome')} class="input" value={draft.outcome ?? ''} onChange={set('outcome')}>
              <option value="">Any outcome</option>
              {AUDIT_OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {OUTCOME_LABELS[o] ?? o}
                </option>
              ))}
            </select>
          </Field>
          <div class="form-actions filter-actions">
            <button type="submit" class="button">
              Apply filters
            </button>
            <button type="button" class="link-button" onClick={clear}>
              Clear
            </button>
          </div>
        </div>
      </form>
      <section class="card" aria-labelledby={`${id}-title`}>
        <div class="card-header">
          <div class="card-titles">
            <h2 class="card-title" id={`${id}-title`}>
              Audit records
            </h2>
            <p class="card-subtitle" role="status">
              {records.status === 'ready'
                ? rows.length === 0
                  ? 'No records match these filters.'
                  : `${formatCount(rows.length)} record${rows.length === 1 ? '' : 's'}, newest first${rows.length >= (filters.limit ?? FIRST) ? ` (the latest ${formatCount(filters.limit ?? FIRST)}; the CSV has them all)` : ''}.`
                : ''}
            </p>
          </div>
          <div class="card-tools">
            <a class="button-secondary button-small" href={access.auditCsvUrl(csvFilters)} download>
              Download CSV<span class="visually-hidden"> of the audit records matching these filters</span>
            </a>
          </div>
        </div>
        {records.status === 'loading' && <Loading height={160} label="Loading the audit records" />}
        {error && !filterError && <ErrorState error={error} />}
        {records.status === 'ready' && rows.length > 0 && (
          <div class="table-scroll">
            <table class="data-table audit-table" data-testid="audit-table">
              <caption class="visually-hidden">Audit records, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">What</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" class="num">
                    Rows
                  </th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>{when(r.at)}</td>
                    <td class="wrap">
                      {r.username ?? <span class="cell-detail">not signed in</span>}
                      {r.role && (
                        <span class="cell-detail">
                          {roleLabel(r.role)}
                          {r.userOrg ? ` · ${r.userOrg}` : ''}
                        </span>
                      )}
                    </td>
                    <td>{ACTION_LABELS[r.action] ?? r.action}</td>
                    <td class="wrap what">
                      {r.route && (
                        <code>
                          {r.method ? `${r.method} ` : ''}
                          {r.route}
                        </code>
                      )}
                      {r.params && <span class="cell-detail">{paramsText(r.params)}</span>}
                      {r.org && <span class="cell-detail">organisation {r.org}</span>}
                      {r.detail && <span class="cell-detail">{r.detail}</span>}
                    </td>
                    <td>
                      <span class={`tag tag-${r.outcome}`}>{OUTCOME_LABELS[r.outcome] ?? r.outcome}</span>
                      {r.status !== null && <span class="cell-detail">HTTP {r.status}</span>}
                    </td>
                    <td class="num">{r.rowCount === null ? '' : formatCount(r.rowCount)}</td>
                    <td>{r.ip ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {records.status === 'ready' && rows.length >= (filters.limit ?? FIRST) && (filters.limit ?? FIRST) < MORE && (
          <button type="button" class="button-secondary show-all" onClick={() => setFilters((f) => ({ ...f, limit: MORE }))}>
            Show up to {formatCount(MORE)} records
          </button>
        )}
      </section>
    </div>
  );
}
