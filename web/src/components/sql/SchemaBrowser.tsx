import { useId, useMemo, useState } from 'preact/hooks';
import type { SqlSchemaTable } from '../../api/sql.js';

interface Props {
  tables: SqlSchemaTable[];
  /** Puts a table's or column's name at the editor's cursor. */
  onInsert: (name: string) => void;
}

const matches = (text: string, q: string) => text.toLowerCase().includes(q);

/**
 * The scope's tables and their columns, with types and descriptions, searchable by name and
 * description; pressing a name puts it at the editor's cursor.
 */
export function SchemaBrowser({ tables, onInsert }: Props) {
  const id = useId();
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<Set<string>>(new Set());
  const q = query.trim().toLowerCase();

  const shown = useMemo(() => {
    if (!q) return tables.map((t) => ({ table: t, columns: t.columns, expand: false }));
    return tables
      .map((t) => {
        const tableHit = matches(t.name, q) || matches(t.description, q);
        const cols = t.columns.filter((c) => matches(c.name, q) || matches(c.description, q) || matches(c.type, q));
        return { table: t, columns: tableHit && cols.length === 0 ? t.columns : cols, expand: cols.length > 0, hit: tableHit || cols.length > 0 };
      })
      .filter((x) => x.hit);
  }, [tables, q]);

  const toggle = (name: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  return (
    <div class="schema-browser" data-testid="schema-browser">
      <label class="field-label" for={`${id}-search`}>
        Search tables and columns
      </label>
      <input id={`${id}-search`} type="search" class="schema-search" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} aria-describedby={`${id}-hint`} />
      <p id={`${id}-hint`} class="hint">
        Press a name to put it at the cursor in the editor.
      </p>
      <p class="visually-hidden" role="status">
        {q ? `${shown.length} ${shown.length === 1 ? 'table matches' : 'tables match'}` : ''}
      </p>
      {shown.length === 0 && <p>No table or column matches “{query}”.</p>}
      <ul class="schema-tables">
        {shown.map(({ table, columns, expand }) => {
          const expanded = expand || open.has(table.name);
          const listId = `${id}-${table.name}`;
          return (
            <li key={table.name} class="schema-table" data-table={table.name}>
              <div class="schema-table-head">
                <button type="button" class="schema-name" onClick={() => onInsert(table.name)} aria-label={`Insert table ${table.name}`}>
                  {table.name}
                </button>
                {!expand && (
                  <button type="button" class="schema-toggle" aria-expanded={expanded} aria-controls={listId} onClick={() => toggle(table.name)}>
                    {expanded ? 'Hide columns' : 'Columns'}
                    <span class="visually-hidden"> of {table.name}</span> ({table.columns.length})
                  </button>
                )}
              </div>
              <p class="schema-desc">{table.description}</p>
              {expanded && (
                <ul class="schema-columns" id={listId}>
                  {columns.map((c) => (
                    <li key={c.name}>
                      <button type="button" class="schema-name schema-column" onClick={() => onInsert(c.name)} aria-label={`Insert column ${c.name}`}>
                        {c.name}
                      </button>{' '}
                      <span class="schema-type">{c.type}</span>
                      <p class="schema-desc">{c.description}</p>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
