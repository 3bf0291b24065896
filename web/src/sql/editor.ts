/**
 * The SQL workbench's editor: CodeMirror 6 with DuckDB's dialect, completion of the scope's tables
 * and columns, Ctrl/Cmd+Enter to run, and a syntax error's position marked. Only the workbench page
 * imports this module, dynamically (`import('../sql/editor.js')`), so CodeMirror stays out of every
 * other page's code (test/e2e/sql-workbench.test.ts checks the built chunks).
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type Completion } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, foldGutter, foldKeymap, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { sql, type SQLNamespace } from '@codemirror/lang-sql';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { Compartment, EditorSelection, EditorState, Prec, StateEffect, StateField } from '@codemirror/state';
import {
  Decoration,
  EditorView,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
  type DecorationSet,
} from '@codemirror/view';
import { DuckDB } from './duckdb-dialect.js';
import { statementToRun, type Statement } from './statements.js';

interface SchemaTable {
  name: string;
  description: string;
  columns: { name: string; type: string; description: string }[];
}

export interface SqlEditorOptions {
  doc: string;
  /** id of the visible label of the editor. */
  labelledBy: string;
  /** id of the text that says how to run a query. */
  describedBy?: string;
  /** Ctrl/Cmd+Enter. */
  onRun: () => void;
  onChange?: (text: string) => void;
  tables?: readonly SchemaTable[];
}

export interface SqlEditor {
  text(): string;
  setText(text: string): void;
  /** The selection, or the statement under the cursor (null when there is no code). */
  statement(): Statement | null;
  /** Puts `text` at the cursor (replacing the selection) and focuses the editor. */
  insert(text: string): void;
  /** Marks a syntax error from `from` (to the end of its word), moves the cursor there and shows it. */
  showError(from: number): void;
  clearError(): void;
  setTables(tables: readonly SchemaTable[]): void;
  focus(): void;
  destroy(): void;
}

const setError = StateEffect.define<{ from: number; to: number } | null>();
const errorMark = Decoration.mark({ class: 'cm-sql-error', attributes: { 'aria-invalid': 'true' } });

/** The marked error: cleared by any edit. */
const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    if (tr.docChanged) marks = Decoration.none;
    for (const e of tr.effects) {
      if (e.is(setError)) marks = e.value ? Decoration.set([errorMark.range(e.value.from, e.value.to)]) : Decoration.none;
    }
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** Completion of the scope's tables (with their descriptions) and, after `table.`, their columns. */
function schemaNamespace(tables: readonly SchemaTable[]): SQLNamespace {
  const ns: Record<string, SQLNamespace> = {};
  for (const t of tables) {
    const columns: Completion[] = t.columns.map((c) => ({ label: c.name, type: 'property', detail: c.type, info: c.description }));
    ns[t.name] = { self: { label: t.name, type: 'type', detail: 'table', info: t.description }, children: columns };
  }
  return ns;
}

/**
 * CodeMirror's basic setup without its lint keymap: the workbench marks a syntax error itself
 * (errorField), so the lint package need not be shipped (~8 KB gzip of the editor's chunk).
 */
const editing = [
  lineNumbers(),
  highlightActiveLineGutter(),
  highlightSpecialChars(),
  history(),
  foldGutter(),
  drawSelection(),
  dropCursor(),
  EditorState.allowMultipleSelections.of(true),
  indentOnInput(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  bracketMatching(),
  closeBrackets(),
  autocompletion(),
  rectangularSelection(),
  crosshairCursor(),
  highlightActiveLine(),
  highlightSelectionMatches(),
  keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, ...completionKeymap]),
];

const theme = EditorView.theme({
  '&': { fontSize: '14px', border: '1px solid var(--border-strong)', borderRadius: 'var(--radius)', background: 'var(--white)' },
  '&.cm-focused': { outline: '3px solid var(--focus)', outlineOffset: '0', boxShadow: '0 0 0 5px var(--text)' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace', minHeight: '11rem', maxHeight: '24rem', overflow: 'auto' },
  '.cm-content': { padding: '.5rem 0' },
  '.cm-gutters': { background: 'var(--bg)', color: 'var(--secondary)', borderRight: '1px solid var(--border)' },
  '.cm-sql-error': { textDecoration: 'underline wavy var(--red)', textUnderlineOffset: '3px', background: '#fdf3f2' },
});

export function createSqlEditor(parent: HTMLElement, options: SqlEditorOptions): SqlEditor {
  const language = new Compartment();
  const config = (tables: readonly SchemaTable[]) => sql({ dialect: DuckDB, schema: schemaNamespace(tables), upperCaseKeywords: true });
  const view = new EditorView({
    parent,
    doc: options.doc,
    extensions: [
      // Before the default keymap (where Mod-Enter inserts a blank line).
      Prec.highest(
        keymap.of([
          {
            key: 'Mod-Enter',
            run: () => {
              options.onRun();
              return true;
            },
          },
        ]),
      ),
      editing,
      language.of(config(options.tables ?? [])),
      errorField,
      theme,
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({
        'aria-labelledby': options.labelledBy,
        ...(options.describedBy ? { 'aria-describedby': options.describedBy } : {}),
      }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) options.onChange?.(u.state.doc.toString());
      }),
    ],
  });

  return {
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: EditorSelection.cursor(text.length), effects: setError.of(null) });
    },
    statement() {
      const { from, to, head } = view.state.selection.main;
      return statementToRun(view.state.doc.toString(), from === to ? head : from, from === to ? head : to);
    },
    insert(text) {
      view.dispatch(view.state.replaceSelection(text));
      view.focus();
    },
    showError(from) {
      const doc = view.state.doc;
      const at = Math.max(0, Math.min(from, doc.length));
      // The word (or the character) at the position; at the very end, the last character.
      const word = view.state.wordAt(at);
      const range = word ?? (at < doc.length ? { from: at, to: at + 1 } : { from: Math.max(0, at - 1), to: at });
      view.dispatch({ selection: EditorSelection.cursor(at), effects: [setError.of(range.to > range.from ? range : null), EditorView.scrollIntoView(at, { y: 'center' })] });
      view.focus();
    },
    clearError() {
      view.dispatch({ effects: setError.of(null) });
    },
    setTables(tables) {
      view.dispatch({ effects: language.reconfigure(config(tables)) });
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
