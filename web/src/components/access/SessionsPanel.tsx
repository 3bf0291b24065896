import { useId, useState } from 'preact/hooks';
import { access } from '../../api/client.js';
import { useLoad } from '../../api/hooks.js';
import type { SessionInfo } from '../../api/types.js';
import { formatDateTime } from '../../lib/format.js';
import { ErrorState, Loading } from '../States.js';
import { FormProblem } from './Fields.js';

/** A browser's user agent in a few words: "Chrome on Linux". */
function describeBrowser(ua: string | null): string {
  if (!ua) return 'Unknown browser';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : /curl\//i.test(ua) ? 'curl' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Mac OS X|Macintosh/.test(ua) ? 'macOS' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Linux/.test(ua) ? 'Linux' : null;
  return os ? `${browser} on ${os}` : browser;
}

/**
 * Open sessions, most recently used first, each with Revoke (which signs that browser out). Your
 * own, or (admin) `user`'s. Your current session is marked and cannot be revoked here: Sign out
 * ends it.
 */
export function SessionsPanel({ user, headingLevel = 2 }: { user?: string; headingLevel?: 2 | 3 }) {
  const [version, setVersion] = useState(0);
  const sessions = useLoad(`sessions:${user ?? ''}:${version}`, async (s) => {
    const r = await access.sessions(!!user, s);
    return user ? r.sessions.filter((x) => x.username === user) : r.sessions;
  });
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const id = useId();
  const H = headingLevel === 2 ? 'h2' : 'h3';

  const revoke = async (s: SessionInfo) => {
    setError(null);
    try {
      await access.revokeSession(s.id);
      setStatus(`Session in ${describeBrowser(s.userAgent)} revoked: that browser is signed out.`);
      setVersion((v) => v + 1);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section class="account-section" aria-labelledby={`${id}-title`}>
      <H class="section-title" id={`${id}-title`}>
        {user ? `Open sessions of ${user}` : 'Your open sessions'}
      </H>
      <p class="hint">Each browser signed in{user ? ` as ${user}` : ''}. Revoking a session signs that browser out at once.</p>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      <FormProblem message={error} />
      {sessions.status === 'loading' && <Loading height={60} label="Loading the sessions" />}
      {sessions.status === 'error' && <ErrorState error={sessions.error} />}
      {sessions.status === 'ready' &&
        (sessions.data.length === 0 ? (
          <p>{user ? `${user} is not signed in anywhere.` : 'No open sessions.'}</p>
        ) : (
          <table class="data-table compact-table">
            <caption class="visually-hidden">{user ? `Open sessions of ${user}` : 'Your open sessions'}</caption>
            <thead>
              <tr>
                <th scope="col">Browser</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col">Ends</th>
                <th scope="col">Address</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.map((s) => (
                <tr key={s.id}>
                  <th scope="row">
                    {describeBrowser(s.userAgent)}
                    {s.method === 'oidc' && <span class="tag">single sign-on</span>}
                  </th>
                  <td>{formatDateTime(s.createdAt)}</td>
                  <td>{formatDateTime(s.lastSeenAt)}</td>
                  <td>{formatDateTime(s.expiresAt)}</td>
                  <td>{s.ip ?? '–'}</td>
                  <td class="actions">
                    {s.current ? (
                      <span class="tag tag-current">This browser</span>
                    ) : (
                      <button type="button" class="button-secondary button-small button-warning" onClick={() => void revoke(s)}>
                        Revoke<span class="visually-hidden"> the session in {describeBrowser(s.userAgent)} started {formatDateTime(s.createdAt)}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
