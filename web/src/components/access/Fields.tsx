import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api/client.js';

/**
 * Form pieces for the account pages, NHS-style: a label above each field, an optional hint, and
 * an error message (the server's own words) between the label and the field, tied to it with
 * aria-describedby, the field marked invalid.
 */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string | null;
  children: ComponentChildren;
}) {
  return (
    <div class={`form-group${error ? ' form-group-error' : ''}`}>
      <label class="form-label" for={id}>
        {label}
      </label>
      {hint && (
        <p class="form-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="form-error" id={`${id}-error`}>
          <span class="visually-hidden">Error: </span>
          {error}
        </p>
      )}
      {children}
    </div>
  );
}

/** aria-describedby and aria-invalid for a field with an optional hint and error. */
export function described(id: string, hint: boolean, error: string | null | undefined) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { 'aria-describedby': ids || undefined, 'aria-invalid': error ? ('true' as const) : undefined };
}

/** An error the server answered, placed next to the field it is about (or above the form). */
export interface FormError {
  field: string | null;
  message: string;
}

/**
 * Which field a server message is about: the `parameter` it names, else the words in it
 * (a taken username, an unknown organisation, a weak password), else none (shown above the form).
 */
export function formErrorFrom(error: unknown, fields: readonly string[]): FormError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && error.parameter && fields.includes(error.parameter)) return { field: error.parameter, message };
  const lower = message.toLowerCase();
  const guesses: Array<[string, boolean]> = [
    ['password', /password/.test(lower)],
    ['org', /organisation|\borg\b/.test(lower)],
    ['username', /username|a user '/.test(lower)],
    ['label', /label/.test(lower)],
    ['role', /role/.test(lower)],
  ];
  const hit = guesses.find(([f, yes]) => yes && fields.includes(f));
  return { field: hit ? hit[0] : null, message };
}

/** A problem with the whole form (not one field), focused when it appears so it is read out. */
export function FormProblem({ message }: { message: string | null }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (message) ref.current?.focus();
  }, [message]);
  if (!message) return null;
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={ref}>
      <h3 class="error-summary-title">There is a problem</h3>
      <p>{message}</p>
    </div>
  );
}

/**
 * A secret shown once (a new password or API token): in a box that takes the focus, with a copy
 * button and the warning that it cannot be shown again.
 */
export function OneTimeSecret({ title, secret, children, onDone }: { title: string; secret: string; children?: ComponentChildren; onDone?: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  useEffect(() => ref.current?.focus(), [secret]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };
  return (
    <div class="secret-panel" role="status" tabIndex={-1} ref={ref} data-testid="one-time-secret">
      <h3 class="secret-title">{title}</h3>
      <p class="secret-value">
        <code>{secret}</code>
      </p>
      <p class="secret-warning">
        <strong>It is shown only this once.</strong> Copy it now and keep it safe: it cannot be shown again.
      </p>
      {children}
      <div class="form-actions">
        <button type="button" class="button-secondary" onClick={() => void copy()}>
          Copy to clipboard
        </button>
        {onDone && (
          <button type="button" class="link-button" onClick={onDone}>
            Done, hide it
          </button>
        )}
        <span class="hint" aria-live="polite">
          {copied === 'yes' ? 'Copied.' : copied === 'no' ? 'Your browser did not allow copying: select the text and copy it.' : ''}
        </span>
      </div>
    </div>
  );
}
