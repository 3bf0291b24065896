import { useId, useState } from 'preact/hooks';
import { access } from '../../api/client.js';
import { useLoad } from '../../api/hooks.js';
import { formatDateTime } from '../../lib/format.js';
import { ErrorState, Loading } from '../States.js';
import { described, Field, formErrorFrom, FormProblem, OneTimeSecret, type FormError } from './Fields.js';

/**
 * API tokens: the list (label, created, last used) with Revoke, and a form to create one, whose
 * secret is shown once. `user` (admin only) manages another user's tokens; without it, your own.
 */
export function TokensPanel({ user, headingLevel = 2, showUsage = false }: { user?: string; headingLevel?: 2 | 3; showUsage?: boolean }) {
  const [version, setVersion] = useState(0);
  const tokens = useLoad(`tokens:${user ?? ''}:${version}`, (s) => access.tokens(user, s));
  const [label, setLabel] = useState('');
  const [error, setError] = useState<FormError | null>(null);
  const [created, setCreated] = useState<{ label: string; token: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const id = useId();
  const H = headingLevel === 2 ? 'h2' : 'h3';

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (!label.trim()) {
      setError({ field: 'label', message: 'Enter a label, so you can tell the token apart later (for example, "Analysis notebook").' });
      document.getElementById(`${id}-label`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const r = await access.createToken(label.trim(), user);
      setCreated({ label: r.label, token: r.token });
      setLabel('');
      setVersion((v) => v + 1);
    } catch (err) {
      const fe = formErrorFrom(err, ['label']);
      setError(fe);
      if (fe.field) document.getElementById(`${id}-label`)?.focus();
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (tokenId: number, tokenLabel: string) => {
    setRevokeError(null);
    try {
      await access.revokeToken(tokenId);
      setStatus(`Token “${tokenLabel}” revoked: it no longer works.`);
      setVersion((v) => v + 1);
    } catch (err) {
      setRevokeError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section class="account-section" aria-labelledby={`${id}-title`}>
      <H class="section-title" id={`${id}-title`}>
        {user ? `API tokens of ${user}` : 'Your API tokens'}
      </H>
      <p class="hint">
        A token lets a script or notebook read the API as {user ? user : 'you'}, with the same role and organisation. Revoke a token
        that is no longer needed, or that may have been seen by someone else.
      </p>
      {showUsage && (
        <details class="usage">
          <summary>How to use a token</summary>
          <p>Send it in the Authorization header of each request, for example:</p>
          <pre>
            <code>curl -H "Authorization: Bearer pit_…" "{window.location.origin}/api/metrics/uptake?format=csv"</code>
          </pre>
        </details>
      )}
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {revokeError && <FormProblem message={revokeError} />}
      {tokens.status === 'loading' && <Loading height={60} label="Loading the tokens" />}
      {tokens.status === 'error' && <ErrorState error={tokens.error} />}
      {tokens.status === 'ready' &&
        (tokens.data.tokens.length === 0 ? (
          <p>{user ? `${user} has no API tokens.` : 'You have no API tokens.'}</p>
        ) : (
          <table class="data-table compact-table">
            <caption class="visually-hidden">{user ? `API tokens of ${user}` : 'Your API tokens'}</caption>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.tokens.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{t.label}</th>
                  <td>{formatDateTime(t.createdAt)}</td>
                  <td>{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : 'Never'}</td>
                  <td class="actions">
                    <button type="button" class="button-secondary button-small button-warning" onClick={() => void revoke(t.id, t.label)}>
                      Revoke<span class="visually-hidden"> token {t.label}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {created && (
        <OneTimeSecret title={`New API token “${created.label}”`} secret={created.token} onDone={() => setCreated(null)}>
          <p class="hint">
            Use it as <code>Authorization: Bearer {created.token.slice(0, 8)}…</code> in your script or notebook.
          </p>
        </OneTimeSecret>
      )}
      <form class="inline-form" onSubmit={(e) => void create(e)} noValidate>
        <FormProblem message={error && !error.field ? error.message : null} />
        <Field id={`${id}-label`} label="Label for a new token" hint="What it is for, e.g. “Analysis notebook”." error={error?.field === 'label' ? error.message : null}>
          <input
            id={`${id}-label`}
            class="input"
            type="text"
            maxLength={100}
            value={label}
            onInput={(e) => setLabel((e.target as HTMLInputElement).value)}
            {...described(`${id}-label`, true, error?.field === 'label' ? error.message : null)}
          />
        </Field>
        <button type="submit" class="button" disabled={busy}>
          {busy ? 'Creating…' : 'Create token'}
        </button>
      </form>
    </section>
  );
}
