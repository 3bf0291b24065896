import type { ComponentChildren } from 'preact';

export function Loading({ label = 'Loading', height = 240 }: { label?: string; height?: number }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite" style={{ minHeight: `${height}px` }}>
      <span class="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function ErrorState({ error, retry }: { error: Error; retry?: () => void }) {
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
