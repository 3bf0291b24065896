import { useId, useState } from 'preact/hooks';
import type { SavedQuery } from '../../api/sql.js';

interface Props {
  saved: SavedQuery[] | null;
  error: string | null;
  /** Opens a saved query's SQL in the editor. */
  onOpen: (q: SavedQuery) => void;
  /** Saves the editor's SQL under a name. */
  onSave: (name: string, shared: boolean) => Promise<void>;
  onRename: (q: SavedQuery, name: string) => Promise<void>;
  onShare: (q: SavedQuery, shared: boolean) => Promise<void>;
  onDelete: (q: SavedQuery) => Promise<void>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Saved queries: mine (save, rename, share, delete) and those shared with my scope. */
export function SavedQueries({ saved, error, onOpen, onSave, onRename, onShare, onDelete }: Props) {
  const id = useId();
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [renaming, setRenaming] = useState<{ id: number; name: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    try {
      await f();
      return true;
    } catch (e) {
      setProblem(errorText(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setProblem('Give the query a name to save it.');
    if (await act(() => onSave(name.trim(), shared))) {
      setName('');
      setShared(false);
    }
  };

  const mine = saved?.filter((q) => q.mine) ?? [];
  const others = saved?.filter((q) => !q.mine) ?? [];

  return (
    <div class="saved-queries" data-testid="saved-queries">
      <form class="saved-form" onSubmit={(e) => void save(e)}>
        <label class="field-label" for={`${id}-name`}>
          Save the editor's SQL as
        </label>
        <input id={`${id}-name`} type="text" value={name} maxLength={200} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label class="checkbox-label">
          <input type="checkbox" checked={shared} onChange={(e) => setShared((e.target as HTMLInputElement).checked)} /> Share with analysts in my scope
        </label>
        <button type="submit" class="button-secondary button-small" disabled={busy}>
          Save query
        </button>
      </form>
      {(problem || error) && (
        <p class="form-error" role="alert">
          {problem ?? error}
        </p>
      )}
      {saved === null && !error && <p class="hint">Loading saved queries…</p>}
      {saved && (
        <>
          <h3 class="side-subheading">Mine</h3>
          {mine.length === 0 && <p class="hint">None yet.</p>}
          <ul class="saved-list">
            {mine.map((q) => (
              <li key={q.id} data-saved={q.name}>
                {renaming?.id === q.id ? (
                  <form
                    class="rename-form"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void act(() => onRename(q, renaming.name.trim())).then((ok) => ok && setRenaming(null));
                    }}
                  >
                    <label class="visually-hidden" for={`${id}-rename-${q.id}`}>
                      New name for {q.name}
                    </label>
                    <input id={`${id}-rename-${q.id}`} type="text" value={renaming.name} maxLength={200} onInput={(e) => setRenaming({ id: q.id, name: (e.target as HTMLInputElement).value })} />
                    <button type="submit" class="button-secondary button-small" disabled={busy || !renaming.name.trim()}>
                      Rename
                    </button>
                    <button type="button" class="link-button" onClick={() => setRenaming(null)}>
                      Cancel
                    </button>
                  </form>
                ) : (
                  <button type="button" class="link-button saved-open" onClick={() => onOpen(q)} title={q.sql}>
                    {q.name}
                  </button>
                )}
                {q.shared && <span class="tag">shared</span>}
                <span class="saved-actions">
                  <button type="button" class="link-button" onClick={() => setRenaming({ id: q.id, name: q.name })} aria-label={`Rename ${q.name}`}>
                    Rename
                  </button>
                  <button type="button" class="link-button" onClick={() => void act(() => onShare(q, !q.shared))} aria-label={`${q.shared ? 'Stop sharing' : 'Share'} ${q.name}`} disabled={busy}>
                    {q.shared ? 'Stop sharing' : 'Share'}
                  </button>
                  <button
                    type="button"
                    class="link-button link-danger"
                    onClick={() => {
                      if (window.confirm(`Delete the saved query “${q.name}”?`)) void act(() => onDelete(q));
                    }}
                    aria-label={`Delete ${q.name}`}
                    disabled={busy}
                  >
                    Delete
                  </button>
                </span>
              </li>
            ))}
          </ul>
          <h3 class="side-subheading">Shared with me</h3>
          {others.length === 0 && <p class="hint">No one in your scope has shared a query.</p>}
          <ul class="saved-list">
            {others.map((q) => (
              <li key={q.id} data-saved={q.name}>
                <button type="button" class="link-button saved-open" onClick={() => onOpen(q)} title={q.sql}>
                  {q.name}
                </button>{' '}
                <span class="saved-owner">by {q.owner}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
