import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { access } from '../../api/client.js';
import { ROLES, type Role, type User } from '../../api/types.js';
import { LEVEL_LABELS, type OrgIndex } from '../../lib/orgs.js';
import { ROLE_LABELS } from '../../lib/roles.js';
import { OrgPicker } from '../OrgPicker.js';
import { described, Field, formErrorFrom, FormProblem, OneTimeSecret, type FormError } from './Fields.js';
import { SessionsPanel } from './SessionsPanel.js';
import { TokensPanel } from './TokensPanel.js';

/**
 * One user, for an admin: change role and organisation, disable or enable, reset the password
 * (the new one shown once), and their API tokens and open sessions. The heading takes the focus
 * when the panel opens.
 */
export function ManageUser({ user, orgs, me, onChanged, onClose }: { user: User; orgs: OrgIndex; me: string; onChanged: (user: User) => void; onClose: () => void }) {
  const id = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [role, setRole] = useState<Role>(user.role);
  const [org, setOrg] = useState(user.org);
  const [error, setError] = useState<FormError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [password, setPassword] = useState<string | null>(null);

  useEffect(() => {
    setRole(user.role);
    setOrg(user.org);
    setError(null);
    setNotice(null);
    setPassword(null);
    headingRef.current?.focus();
  }, [user.username]);

  const orgInfo = orgs.byCode.get(user.org);
  const errorFor = (f: string) => (error?.field === f ? error.message : null);
  const run = async (what: () => Promise<void>, fields: readonly string[]) => {
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      await what();
    } catch (err) {
      const fe = formErrorFrom(err, fields);
      setError(fe);
      if (fe.field) document.getElementById(`${id}-${fe.field}`)?.focus();
    } finally {
      setBusy(false);
    }
  };

  const save = (e: Event) => {
    e.preventDefault();
    const changes: { role?: Role; org?: string } = {};
    if (role !== user.role) changes.role = role;
    if (org !== user.org) changes.org = org;
    if (!Object.keys(changes).length) {
      setNotice('Nothing has changed.');
      return;
    }
    void run(async () => {
      const r = await access.changeUser(user.username, changes);
      onChanged(r.user);
      setNotice(`Saved: ${user.username} is now ${ROLE_LABELS[r.user.role].toLowerCase()} at ${orgs.byCode.get(r.user.org)?.name ?? r.user.org}.`);
    }, ['role', 'org']);
  };

  const setDisabled = (disabled: boolean) =>
    void run(async () => {
      const r = await access.changeUser(user.username, { disabled });
      onChanged(r.user);
      setNotice(disabled ? `${user.username} is disabled: signed out everywhere, and their API tokens no longer work.` : `${user.username} is enabled again.`);
    }, []);

  const reset = () =>
    void run(async () => {
      const r = await access.resetPassword(user.username);
      setPassword(r.password ?? null);
    }, []);

  return (
    <section class="card manage-user" aria-labelledby={`${id}-title`} data-testid="manage-user">
      <div class="manage-head">
        <h2 id={`${id}-title`} tabIndex={-1} ref={headingRef}>
          Manage {user.username}
        </h2>
        <button type="button" class="link-button" onClick={onClose}>
          Close<span class="visually-hidden"> the details of {user.username}</span>
        </button>
      </div>
      <dl class="kv">
        <dt>Name</dt>
        <dd>{user.displayName ?? '–'}</dd>
        <dt>Organisation</dt>
        <dd>
          {orgInfo ? `${orgInfo.name} (${LEVEL_LABELS[orgInfo.type]?.one ?? orgInfo.type}, ${user.org})` : user.org}
        </dd>
        <dt>Signs in with</dt>
        <dd>{user.source === 'oidc' ? 'Single sign-on (their role and organisation come from it at each sign-in)' : 'Username and password'}</dd>
        <dt>Status</dt>
        <dd>{user.disabled ? 'Disabled: cannot sign in' : 'Active'}</dd>
      </dl>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <FormProblem message={error && !error.field ? error.message : null} />

      <form class="manage-form" onSubmit={save} noValidate aria-labelledby={`${id}-change`}>
        <h3 class="section-title" id={`${id}-change`}>
          Role and organisation
        </h3>
        <div class="form-grid">
          <Field id={`${id}-role`} label="Role" error={errorFor('role')}>
            <select id={`${id}-role`} class="input" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role)} {...described(`${id}-role`, false, errorFor('role'))}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </select>
          </Field>
          <div class={`form-group org-field${errorFor('org') ? ' form-group-error' : ''}`}>
            <span class="form-label" aria-hidden="true">
              Organisation
            </span>
            {errorFor('org') && (
              <p class="form-error" id={`${id}-org-error`}>
                <span class="visually-hidden">Error: </span>
                {errorFor('org')}
              </p>
            )}
            <OrgPicker orgs={orgs} value={org} onChange={setOrg} toggleId={`${id}-org`} describedBy={errorFor('org') ? `${id}-org-error` : undefined} invalid={!!errorFor('org')} />
          </div>
        </div>
        <div class="form-actions">
          <button type="submit" class="button" disabled={busy}>
            Save changes
          </button>
        </div>
      </form>

      <div class="manage-actions">
        <section aria-labelledby={`${id}-access`}>
          <h3 class="section-title" id={`${id}-access`}>
            Access
          </h3>
          <div class="form-actions">
            {user.disabled ? (
              <button type="button" class="button-secondary" onClick={() => setDisabled(false)} disabled={busy}>
                Enable {user.username}
              </button>
            ) : (
              <button type="button" class="button-secondary button-warning" onClick={() => setDisabled(true)} disabled={busy || user.username === me}>
                Disable {user.username}
              </button>
            )}
            {user.source === 'local' && (
              <button type="button" class="button-secondary" onClick={reset} disabled={busy}>
                Reset password
              </button>
            )}
          </div>
          {user.username === me && <p class="hint">You cannot disable yourself here.</p>}
          {password && (
            <OneTimeSecret title={`New password for ${user.username}`} secret={password} onDone={() => setPassword(null)}>
              <p class="hint">{user.username} has been signed out everywhere. Give them the new password in a secure way.</p>
            </OneTimeSecret>
          )}
        </section>
      </div>

      <TokensPanel user={user.username} headingLevel={3} key={`t-${user.username}`} />
      <SessionsPanel user={user.username} headingLevel={3} key={`s-${user.username}`} />
    </section>
  );
}
