import type { ComponentChildren } from 'preact';
import { NotAvailable, isNotAvailable } from '../api/client.js';

export function Loading({ label = 'Loading', height = 240 }: { label?: string; height?: number }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite" style={{ minHeight: `${height}px` }}>
      <span class="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function ErrorState({ error, retry }: { error: Error; retry?: () => void }) {
  // Not an error: the reader's organisation or role does not cover it, and the message says why.
  if (isNotAvailable(error)) return <NotAvailableState message={error.message} scope={error instanceof NotAvailable ? 'organisation' : 'you'} />;
  return (
    <div class="state state-error" role="alert">
      <p>
        <strong>This could not be loaded.</strong> {error.message}
      </p>
      {retry && (
        <button type="button" class="button-secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <p>{children ?? 'There is no data for these filters. Try a longer date range or a different organisation.'}</p>
    </div>
  );
}

/** Something the reader's organisation or role does not cover: said plainly, not as a failure. */
function NotAvailableState({ message, scope = 'organisation' }: { message: string; scope?: 'organisation' | 'you' }) {
  return (
    <div class="state state-unavailable" role="status" data-testid="not-available">
      <p>
        <strong>{scope === 'you' ? 'Not available to you.' : 'Not available for this organisation.'}</strong> {message}
      </p>
    </div>
  );
}
