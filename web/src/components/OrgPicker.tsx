import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import type { Level, Org } from '../api/types.js';
import { LEVEL_LABELS, ancestry, childrenOf, searchOrgs, type OrgIndex } from '../lib/orgs.js';

interface Props {
  orgs: OrgIndex;
  /** The chosen organisation's code ('' for none yet: the placeholder is shown). */
  value: string;
  onChange: (code: string) => void;
  /** As a form field: its label (default "Organisation"), the toggle's id, hint / error ids, invalid. */
  label?: string;
  toggleId?: string;
  describedBy?: string;
  invalid?: boolean;
  placeholder?: string;
}

const TYPE_ORDER: Level[] = ['ccg', 'trust', 'community', 'practice'];

/** A choice just made, whose picker should have the focus when drawn again. */
let pendingRefocus: { toggleId: string | null; at: number } | null = null;

/**
 * Chooses an organisation: type to search names and codes, or browse the hierarchy
 * (ICB → CCGs → practices, and the ICB's trusts and community services).
 */
export function OrgPicker({ orgs, value, onChange, label = 'Organisation', toggleId, describedBy, invalid, placeholder = 'Choose an organisation' }: Props) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const panelId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const refocus = useRef(false);
  const current = orgs.byCode.get(value);

  useEffect(() => {
    if (!open) return;
    inputRef.current?.focus();
    // Open the branch that holds the current organisation so it is visible in the tree.
    setExpanded(new Set(ancestry(orgs, value).map((o) => o.code)));
    const onDoc = (e: MouseEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open, orgs, value]);

  const results = useMemo(() => (query.trim() ? searchOrgs(orgs, query, 40) : []), [orgs, query]);

  const focusToggle = () => (rootRef.current?.querySelector('.org-picker-toggle') as HTMLElement | null)?.focus();

  const choose = (code: string) => {
    // The search box and the option chosen go with the panel: the focus returns to the picker's
    // button, not to the page's body. It is put there now and again once the choice has been
    // drawn (the page re-renders for the new organisation, and may draw this picker anew).
    focusToggle();
    refocus.current = true;
    pendingRefocus = { toggleId: toggleId ?? null, at: Date.now() };
    setOpen(false);
    setQuery('');
    onChange(code);
  };

  useEffect(() => {
    if (open || !refocus.current) return;
    refocus.current = false;
    if (!rootRef.current?.contains(document.activeElement)) focusToggle();
  }, [open, value]);

  // A picker drawn anew just after a choice (the page's filters changed) takes the focus back.
  useEffect(() => {
    const p = pendingRefocus;
    if (p && p.toggleId === (toggleId ?? null) && Date.now() - p.at < 2000) {
      pendingRefocus = null;
      if (document.activeElement === document.body || document.activeElement === null) focusToggle();
    }
  }, []);

  // Tabbing (or clicking) out of the open panel closes it.
  const onFocusOut = (e: FocusEvent) => {
    if (!open) return;
    const next = e.relatedTarget as Node | null;
    if (next && rootRef.current?.contains(next)) return;
    // Focus moving to nothing (a click on the page's background) is handled by the mousedown listener.
    if (!next) return;
    setOpen(false);
    setQuery('');
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      if (!open) return;
      setOpen(false);
      setQuery('');
      focusToggle();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    // Arrow keys move between the options (search box, then each organisation).
    const items = Array.from(rootRef.current?.querySelectorAll<HTMLElement>('[data-org-option], .org-search') ?? []);
    const i = items.indexOf(document.activeElement as HTMLElement);
    const next = items[e.key === 'ArrowDown' ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1)];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  };

  const toggle = (code: string) =>
    setExpanded((s) => {
      const n = new Set(s);
      if (n.has(code)) n.delete(code);
      else n.add(code);
      return n;
    });

  const option = (o: Org, depth: number, canExpand: boolean) => (
    <li key={o.code}>
      <div class="org-row" style={{ paddingLeft: `${depth * 1.1}rem` }}>
        {canExpand ? (
          <button
            type="button"
            class="org-expand"
            aria-expanded={expanded.has(o.code)}
            aria-label={`${expanded.has(o.code) ? 'Hide' : 'Show'} organisations in ${o.name}`}
            onClick={() => toggle(o.code)}
          >
            {expanded.has(o.code) ? '−' : '+'}
          </button>
        ) : (
          <span class="org-expand-spacer" />
        )}
        <button
          type="button"
          data-org-option={o.code}
          class={`org-option${o.code === value ? ' selected' : ''}`}
          aria-current={o.code === value ? 'true' : undefined}
          onClick={() => choose(o.code)}
        >
          <span class="org-name">{o.name}</span>
          <span class="org-meta">
            {LEVEL_LABELS[o.type]?.one ?? o.type} · {o.code}
          </span>
        </button>
      </div>
    </li>
  );

  const tree = (code: string, depth: number): preact.ComponentChild[] => {
    const out: preact.ComponentChild[] = [];
    for (const type of TYPE_ORDER) {
      const kids = childrenOf(orgs, code, type).sort((a, b) => a.name.localeCompare(b.name));
      for (const k of kids) {
        const hasKids = k.children.length > 0;
        out.push(option(k, depth, hasKids));
        if (hasKids && expanded.has(k.code)) out.push(...tree(k.code, depth + 1));
      }
    }
    return out;
  };

  const root = orgs.byCode.get(orgs.root);

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: keys are handled once for the button, search box and list inside (the listbox pattern), not for this box itself
    <div class="org-picker" ref={rootRef} onKeyDown={onKeyDown} onFocusOut={onFocusOut}>
      <span class="field-label" id={`${panelId}-label`}>
        {label}
      </span>
      <button
        type="button"
        id={toggleId}
        aria-describedby={describedBy}
        aria-invalid={invalid ? 'true' : undefined}
        class="org-picker-toggle"
        aria-expanded={open}
        aria-controls={panelId}
        aria-labelledby={`${panelId}-label ${panelId}-value ${panelId}-type`}
        onClick={() => setOpen((o) => !o)}
      >
        <span id={`${panelId}-value`}>{current?.name ?? (value || placeholder)}</span>{' '}
        <span class="org-picker-type" id={`${panelId}-type`}>{current ? LEVEL_LABELS[current.type]?.one : ''}</span>
        {/* The space above keeps the button's text "name type" as its name reads (axe
            label-content-name-mismatch); the chevron is drawn, not a character of the text. */}
        <svg aria-hidden="true" focusable="false" class="chevron" width="10" height="6" viewBox="0 0 10 6">
          <path d="M0 0h10L5 6z" fill="currentColor" />
        </svg>
      </button>
      {open && (
        <div class="org-panel" id={panelId} role="dialog" aria-label="Choose an organisation">
          <label class="visually-hidden" for={`${panelId}-search`}>
            Search organisations by name or code
          </label>
          <input
            ref={inputRef}
            id={`${panelId}-search`}
            class="org-search"
            type="search"
            autoComplete="off"
            placeholder="Search by name or code, e.g. Riverside"
            value={query}
            onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key !== 'Enter') return;
              // Enter chooses the best match; inside a form it must not submit the form.
              e.preventDefault();
              if (results[0]) choose(results[0].code);
            }}
          />
          {/* biome-ignore lint/a11y/noRedundantRoles: Safari drops a list's semantics when its bullets are styled away */}
          <ul class="org-list" role="list" aria-label={query ? 'Matching organisations' : 'Organisations'}>
            {query.trim() ? (
              results.length ? (
                results.map((o) => option(o, 0, false))
              ) : (
                <li class="org-none">No organisation matches “{query}”.</li>
              )
            ) : (
              <>
                {root && option(root, 0, false)}
                {tree(orgs.root, 1)}
              </>
            )}
          </ul>
        </div>
      )}
    </div>
  );
}
