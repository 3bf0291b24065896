import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import { isNotAvailable } from '../api/client.js';
import { useLoad } from '../api/hooks.js';
import {
  SqlError,
  newQueryId,
  saveFile,
  sqlApi,
  type ExampleQuery,
  type HistoryItem,
  type SavedQuery,
  type SqlResult,
} from '../api/sql.js';
import { PlotView } from '../charts/PlotView.js';
import { chartData, defaultChart, resultChart, type ChartChoice, type ChartMark } from '../charts/result-chart.js';
import { ErrorState } from '../components/States.js';
import { PublicationPicker, PublicationRule, publicationCheck, type PublicationChoice } from '../components/sql/PublicationPicker.js';
import { QueryHistory } from '../components/sql/QueryHistory.js';
import { ResultTable } from '../components/sql/ResultTable.js';
import { SavedQueries } from '../components/sql/SavedQueries.js';
import { SchemaBrowser } from '../components/sql/SchemaBrowser.js';
import { useApp } from '../lib/context.js';
import type { SqlEditor } from '../sql/editor.js';
import { codePointOffsetToIndex, type Statement } from '../sql/statements.js';
import './sql.css';

const DOC_KEY = 'portal-insights:sql-workbench';
const FIRST_DOC = `-- Ctrl+Enter (⌘+Enter on a Mac) runs the statement under the cursor, or the selection.
SELECT org_type, count(*) AS organisations
FROM organisations
GROUP BY org_type
ORDER BY organisations DESC;
`;

type Run =
  | { status: 'idle' }
  | { status: 'running'; id: string; sql: string; from: number; startedAt: number; cancelling?: boolean }
  | { status: 'done'; sql: string; result: SqlResult }
  | { status: 'failed'; sql: string; error: SqlError | Error }
  | { status: 'cancelled'; sql: string; afterMs: number };

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
/** A query's time as people read it: "85 ms", "2.4 s", "14 s". */
const took = (ms: number) => (ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : seconds(ms));
const count = (n: number) => n.toLocaleString('en-GB');
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The editor's text is kept for the tab's session, per user (another user signing in here starts afresh). */
function storedDoc(key: string): string {
  try {
    return sessionStorage.getItem(key) ?? FIRST_DOC;
  } catch {
    return FIRST_DOC;
  }
}

/** Loads the editor module (CodeMirror, in its own chunk) and makes an editor in `host`. */
function useEditor(docKey: string, onRun: () => void) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<SqlEditor | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | Error>('loading');
  const run = useRef(onRun);
  run.current = onRun;
  const labelId = useId();
  const hintId = useId();
  useEffect(() => {
    let live = true;
    import('../sql/editor.js').then(
      ({ createSqlEditor }) => {
        if (!live || !host.current) return;
        editor.current = createSqlEditor(host.current, {
          doc: storedDoc(docKey),
          labelledBy: labelId,
          describedBy: hintId,
          onRun: () => run.current(),
          onChange: (text) => {
            try {
              sessionStorage.setItem(docKey, text);
            } catch {
              /* private mode: not kept */
            }
          },
        });
        setState('ready');
      },
      (e: unknown) => live && setState(e instanceof Error ? e : new Error(String(e))),
    );
    return () => {
      live = false;
      editor.current?.destroy();
      editor.current = null;
    };
  }, [labelId, hintId, docKey]);
  return { host, editor, state, labelId, hintId };
}

/** The SQL workbench (roles analyst and admin): ad-hoc SQL over the scope's pseudonymised tables. */
export default function Sql() {
  const { me, orgs } = useApp();
  const schema = useLoad('sql:schema', (s) => sqlApi.schema(s));
  const examples = useLoad('sql:examples', (s) => sqlApi.examples(s));
  const [run, setRun] = useState<Run>({ status: 'idle' });
  const [now, setNow] = useState(0);
  const [announce, setAnnounce] = useState('');
  const runRef = useRef(run);
  runRef.current = run;

  const [saved, setSaved] = useState<{ items: SavedQuery[] | null; error: string | null }>({ items: null, error: null });
  const [history, setHistory] = useState<{ items: HistoryItem[] | null; error: string | null }>({ items: null, error: null });
  const loadSaved = useCallback(() => {
    sqlApi.saved().then(
      (r) => setSaved({ items: r.saved, error: null }),
      (e: unknown) => setSaved({ items: null, error: message(e) }),
    );
  }, []);
  const loadHistory = useCallback(() => {
    sqlApi.history(30).then(
      (r) => setHistory({ items: r.history, error: null }),
      (e: unknown) => setHistory({ items: null, error: message(e) }),
    );
  }, []);
  useEffect(() => {
    loadSaved();
    loadHistory();
  }, [loadSaved, loadHistory]);

  const execute = useCallback(
    async (statement?: Statement | null) => {
      const ed = editorRef.current;
      if (runRef.current.status === 'running') return;
      const s = statement ?? ed?.statement() ?? null;
      if (!s) {
        setRun({ status: 'failed', sql: '', error: new Error('There is no SQL to run: write a query in the editor first.') });
        setAnnounce('There is no SQL to run.');
        return;
      }
      ed?.clearError();
      const id = newQueryId();
      const startedAt = performance.now();
      setRun({ status: 'running', id, sql: s.text, from: s.from, startedAt });
      setNow(startedAt);
      setAnnounce('Running the query…');
      try {
        const result = await sqlApi.run(s.text, id);
        setRun({ status: 'done', sql: s.text, result });
        setAnnounce(`Query done: ${count(result.rowCount)}${result.truncated ? ' or more' : ''} ${result.rowCount === 1 ? 'row' : 'rows'} in ${took(result.elapsedMs)}.`);
      } catch (e) {
        if (e instanceof SqlError && e.code === 'cancelled') {
          setRun({ status: 'cancelled', sql: s.text, afterMs: performance.now() - startedAt });
          setAnnounce('Query cancelled.');
        } else {
          const error = e instanceof Error ? e : new Error(String(e));
          setRun({ status: 'failed', sql: s.text, error });
          setAnnounce(`The query failed: ${error.message.split('\n')[0]}`);
          if (e instanceof SqlError && e.code === 'syntax' && e.position !== undefined) {
            editorRef.current?.showError(s.from + codePointOffsetToIndex(s.text, e.position));
          }
        }
      } finally {
        loadHistory();
      }
    },
    [loadHistory],
  );

  const { host, editor: editorRef, state: editorState, labelId, hintId } = useEditor(`${DOC_KEY}:${me.username}`, () => void execute());

  useEffect(() => {
    if (editorState === 'ready' && schema.status === 'ready') editorRef.current?.setTables(schema.data.tables);
  }, [editorState, schema]);

  // The elapsed time, live while a query runs.
  useEffect(() => {
    if (run.status !== 'running') return;
    const timer = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(timer);
  }, [run.status]);

  // Leaving the page stops a query still running.
  useEffect(
    () => () => {
      const r = runRef.current;
      if (r.status === 'running') void sqlApi.cancel(r.id).catch(() => {});
    },
    [],
  );

  const cancel = async () => {
    const r = runRef.current;
    if (r.status !== 'running' || r.cancelling) return;
    setRun({ ...r, cancelling: true });
    // The server knows the query once its request has arrived: ask again once if it was not yet there.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await sqlApi.cancel(r.id);
        return;
      } catch {
        await new Promise((done) => setTimeout(done, 300));
        if (runRef.current.status !== 'running') return;
      }
    }
  };

  const loadIntoEditor = (sql: string) => {
    const ed = editorRef.current;
    if (!ed) return;
    ed.setText(sql.endsWith('\n') ? sql : `${sql}\n`);
    ed.focus();
  };

  const scopeName = orgs.byCode.get(me.org)?.name ?? me.org;
  const running = run.status === 'running';

  return (
    <div class="sql-page">
      <div class="page-intro">
        <div class="page-head">
          <h1>SQL workbench</h1>
          <p class="page-caption">
            Your scope: {scopeName} · every query sees only its patients and events
          </p>
        </div>
      </div>
      <p class="notice sql-notice" data-testid="pseudonymised-note">
        <strong>Results are row-level pseudonymised data.</strong> Patients appear under a keyed pseudonym, never their NHS number, but small
        numbers can still identify people: results are <strong>not for publication as they are</strong>. To publish, download{' '}
        <em>For publication</em>, which applies the small-number rule. Every query and download is recorded in the audit log.
      </p>

      <div class="sql-layout">
        <aside class="sql-side" aria-label="Tables, saved queries and history">
          <details class="side-panel" open>
            <summary>
              <h2>Tables</h2>
            </summary>
            {schema.status === 'loading' && <p class="hint">Loading the tables…</p>}
            {schema.status === 'error' && <p class="form-error">{schema.error.message}</p>}
            {schema.status === 'ready' && <SchemaBrowser tables={schema.data.tables} onInsert={(name) => editorRef.current?.insert(name)} />}
          </details>
          <details class="side-panel" open>
            <summary>
              <h2>Saved queries</h2>
            </summary>
            <SavedQueries
              saved={saved.items}
              error={saved.error}
              onOpen={(q) => loadIntoEditor(q.sql)}
              onSave={async (name, shared) => {
                const sql = editorRef.current?.text().trim();
                if (!sql) throw new Error('The editor is empty: write a query to save.');
                await sqlApi.save({ name, sql, shared });
                loadSaved();
              }}
              onRename={async (q, name) => {
                await sqlApi.change(q.id, { name });
                loadSaved();
              }}
              onShare={async (q, shared) => {
                await sqlApi.change(q.id, { shared });
                loadSaved();
              }}
              onDelete={async (q) => {
                await sqlApi.remove(q.id);
                loadSaved();
              }}
            />
          </details>
          <details class="side-panel">
            <summary>
              <h2>Your history</h2>
            </summary>
            <QueryHistory history={history.items} error={history.error} onOpen={loadIntoEditor} />
          </details>
        </aside>

        <div class="sql-main">
          <Gallery examples={examples.status === 'ready' ? examples.data.examples : null} error={examples.status === 'error' ? examples.error : null} onOpen={loadIntoEditor} />

          <section class="card sql-editor-card" aria-labelledby={labelId}>
            <div class="sql-editor-head">
              <h2 id={labelId} class="card-title">
                SQL query
              </h2>
              <p id={hintId} class="hint">
                One read-only statement (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE). <kbd>Ctrl</kbd>+<kbd>Enter</kbd> (<kbd>⌘</kbd>+<kbd>Enter</kbd>)
                runs the statement under the cursor, or the selection. Tab moves on from the editor; Esc then Tab if completion is open.
              </p>
            </div>
            <div class="sql-editor-host" ref={host} data-testid="sql-editor">
              {editorState === 'loading' && <p class="hint">Loading the editor…</p>}
            </div>
            {editorState instanceof Error && <ErrorState error={editorState} />}
            <div class="sql-toolbar">
              <button type="button" class="button" onClick={() => void execute()} disabled={running || editorState !== 'ready'}>
                Run
              </button>
              <button type="button" class="button-secondary" onClick={() => void cancel()} disabled={!running || (run.status === 'running' && run.cancelling)}>
                {run.status === 'running' && run.cancelling ? 'Cancelling…' : 'Cancel'}
              </button>
              <p class="sql-status" data-testid="sql-status">
                <Status run={run} now={now} />
              </p>
            </div>
            <p class="visually-hidden" role="status" aria-live="polite" data-testid="sql-announce">
              {announce}
            </p>
            {run.status === 'failed' && (
              <div class="state state-error sql-error" data-testid="sql-error">
                <p>
                  <strong>{errorTitle(run.error)}</strong>
                </p>
                <pre class="sql-error-message">{run.error.message}</pre>
                {run.error instanceof SqlError && run.error.code === 'syntax' && run.error.position !== undefined && (
                  <p class="hint">The place is marked in the editor, and the cursor is on it.</p>
                )}
              </div>
            )}
          </section>

          {run.status === 'done' && <ResultView key={run.result.queryId} sql={run.sql} result={run.result} />}
        </div>
      </div>
    </div>
  );
}

function errorTitle(e: Error): string {
  if (isNotAvailable(e)) return 'Not available to your role';
  if (!(e instanceof SqlError)) return 'The query could not be run';
  switch (e.code) {
    case 'syntax':
      return 'Syntax error';
    case 'refused':
      return 'Refused: the workbench runs one read-only query';
    case 'timeout':
      return 'Stopped at the time limit';
    case 'memory':
      return 'Stopped at the memory limit';
    case 'busy':
      return 'Too many of your queries are running';
    case 'crashed':
      return 'The query process stopped';
    default:
      return 'DuckDB could not run the query';
  }
}

function Status({ run, now }: { run: Run; now: number }) {
  switch (run.status) {
    case 'idle':
      return <>Nothing run yet.</>;
    case 'running':
      return (
        <>
          <span class="spinner" aria-hidden="true" /> Running… {seconds(Math.max(0, now - run.startedAt))}
        </>
      );
    case 'done':
      return (
        <>
          <strong>{count(run.result.rowCount)}</strong> {run.result.rowCount === 1 ? 'row' : 'rows'}
          {run.result.truncated && ' shown (there are more)'} in <strong>{took(run.result.elapsedMs)}</strong>
        </>
      );
    case 'cancelled':
      return <>Query cancelled after {seconds(run.afterMs)}.</>;
    case 'failed':
      return <>The query failed.</>;
  }
}

function Gallery({ examples, error, onOpen }: { examples: ExampleQuery[] | null; error: Error | null; onOpen: (sql: string) => void }) {
  if (error) return null;
  return (
    <details class="card sql-gallery" open data-testid="sql-gallery">
      <summary>
        <h2 class="card-title">Examples to start from</h2>
      </summary>
      {!examples && <p class="hint">Loading the examples…</p>}
      {examples && (
        <ul class="gallery-list">
          {examples.map((x) => (
            <li key={x.name} data-example={x.name}>
              <button type="button" class="link-button gallery-open" onClick={() => onOpen(x.sql)}>
                {x.title}
              </button>
              {x.description && <p class="hint">{x.description.charAt(0).toUpperCase() + x.description.slice(1)}</p>}
            </li>
          ))}
        </ul>
      )}
      {examples && <p class="hint">Pressing an example puts its SQL in the editor; run it with Ctrl+Enter or Run.</p>}
    </details>
  );
}

type Busy = null | 'csv' | 'parquet' | 'publication';

function ResultView({ sql, result }: { sql: string; result: SqlResult }) {
  const [busy, setBusy] = useState<Busy>(null);
  const [downloadError, setDownloadError] = useState<{ what: Busy; message: string } | null>(null);
  const [choice, setChoice] = useState<PublicationChoice>({});
  const [notice, setNotice] = useState('');

  const download = async (what: Exclude<Busy, null>) => {
    setBusy(what);
    setDownloadError(null);
    try {
      const spec = what === 'publication' ? publicationCheck(result.columns, choice).spec : undefined;
      if (what === 'publication' && !spec) throw new Error('Tick at least one column that holds counts of people.');
      const file = await sqlApi.download(what === 'parquet' ? 'parquet' : 'csv', sql, spec ?? undefined);
      saveFile(file);
      setNotice(`Downloaded ${file.fileName}.`);
    } catch (e) {
      setDownloadError({ what, message: message(e) });
      setNotice('The download failed.');
    } finally {
      setBusy(null);
    }
  };

  const caption = `Result: ${count(result.rowCount)}${result.truncated ? ' (first)' : ''} ${result.rowCount === 1 ? 'row' : 'rows'}, ${result.columns.length} columns`;
  return (
    <>
      <section class="card sql-result" aria-labelledby="sql-result-title" data-testid="sql-result">
        <div class="card-header">
          <div class="card-titles">
            <h2 id="sql-result-title" class="card-title">
              Result
            </h2>
            <p class="card-subtitle">
              {count(result.rowCount)} {result.rowCount === 1 ? 'row' : 'rows'} · {result.columns.length} {result.columns.length === 1 ? 'column' : 'columns'} · data version{' '}
              {result.dataVersion.slice(0, 19)}
            </p>
          </div>
          <div class="card-tools">
            <button type="button" class="button-secondary button-small" onClick={() => void download('csv')} disabled={busy !== null}>
              {busy === 'csv' ? 'Preparing CSV…' : 'Download CSV'}
            </button>
            <button type="button" class="button-secondary button-small" onClick={() => void download('parquet')} disabled={busy !== null}>
              {busy === 'parquet' ? 'Preparing Parquet…' : 'Download Parquet'}
            </button>
          </div>
        </div>
        {result.truncated && (
          <p class="notice sql-truncated" data-testid="sql-truncated">
            Only the first {count(result.rowCount)} rows are shown: the result has more.{' '}
            <button type="button" class="link-button" onClick={() => void download('csv')} disabled={busy !== null}>
              Download the whole result as CSV
            </button>
          </p>
        )}
        {downloadError && downloadError.what !== 'publication' && (
          <p class="form-error" role="alert">
            The download failed: {downloadError.message}
          </p>
        )}
        {result.columns.length === 0 || result.rowCount === 0 ? <p>The query returned no rows.</p> : <ResultTable columns={result.columns} rows={result.rows} caption={caption} />}
        <p class="hint sql-download-notice" role="status">
          {notice}
        </p>
      </section>

      {result.rowCount > 0 && <QuickChart result={result} />}

      <section class="card sql-publication" aria-labelledby="sql-publication-title" data-testid="sql-publication">
        <details>
          <summary>
            <h2 id="sql-publication-title" class="card-title">
              For publication
            </h2>
            <span class="hint"> — download a CSV with the small-number rule applied</span>
          </summary>
          <PublicationRule />
          <PublicationPicker columns={result.columns} choice={choice} onChange={setChoice} />
          <button type="button" class="button" onClick={() => void download('publication')} disabled={busy !== null || !publicationCheck(result.columns, choice).spec}>
            {busy === 'publication' ? 'Preparing…' : 'Download CSV for publication'}
          </button>
          {!publicationCheck(result.columns, choice).spec && <p class="hint">Tick at least one column of counts of people.</p>}
          {busy === null && !downloadError && notice.includes('for-publication') && <p class="hint">{notice}</p>}
          {downloadError?.what === 'publication' && (
            <div class="state state-error" role="alert" data-testid="publication-refused">
              <p>
                <strong>Refused for publication.</strong> {downloadError.message}
              </p>
            </div>
          )}
        </details>
      </section>
    </>
  );
}

const MARKS: { value: ChartMark; label: string }[] = [
  { value: 'bar', label: 'Bar' },
  { value: 'line', label: 'Line' },
  { value: 'dot', label: 'Dot' },
];

function QuickChart({ result }: { result: SqlResult }) {
  const id = useId();
  const first = useMemo(() => defaultChart(result), [result]);
  const [choice, setChoice] = useState<ChartChoice | null>(first);
  const numericCols = result.columns.map((c, i) => ({ c, i })).filter(({ c }) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL|REAL)/i.test(c.type));
  const render = useCallback((width: number) => resultChart(result, { ...choice!, width }), [result, choice]);
  const omitted = useMemo(() => (choice ? chartData(result, choice).omitted : null), [result, choice]);
  if (!choice) {
    return (
      <section class="card sql-chart" data-testid="sql-chart">
        <h2 class="card-title">Chart</h2>
        <p class="hint">The result has no numeric column to draw.</p>
      </section>
    );
  }
  const set = (k: keyof ChartChoice) => (e: Event) => {
    const v = (e.target as HTMLSelectElement).value;
    setChoice({ ...choice, [k]: k === 'mark' ? v : v === '' ? null : Number(v) });
  };
  const name = (i: number | null) => (i === null ? '' : result.columns[i]!.name);
  const label = `${MARKS.find((m) => m.value === choice.mark)!.label} chart of ${name(choice.y)} by ${name(choice.x)}${choice.colour !== null ? `, coloured by ${name(choice.colour)}` : ''}`;
  return (
    <section class="card sql-chart" aria-labelledby={`${id}-title`} data-testid="sql-chart">
      <div class="card-header">
        <div class="card-titles">
          <h2 id={`${id}-title`} class="card-title">
            Chart
          </h2>
          <p class="card-subtitle">A quick look at the rows shown; choose how to draw them.</p>
        </div>
        <div class="card-tools chart-choice">
          <label>
            Mark
            <select value={choice.mark} onChange={set('mark')}>
              {MARKS.map((m) => (
                <option key={m.value} value={m.value}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            X
            <select value={String(choice.x)} onChange={set('x')}>
              {result.columns.map((c, i) => (
                <option key={i} value={String(i)}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Y
            <select value={String(choice.y)} onChange={set('y')}>
              {numericCols.map(({ c, i }) => (
                <option key={i} value={String(i)}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Colour
            <select value={choice.colour === null ? '' : String(choice.colour)} onChange={set('colour')}>
              <option value="">None</option>
              {result.columns.map((c, i) => (
                <option key={i} value={String(i)}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      <PlotView render={render} label={label} minHeight={240} />
      {omitted && <p class="hint">{omitted}</p>}
    </section>
  );
}
