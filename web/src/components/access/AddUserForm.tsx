import { useId, useState } from 'preact/hooks';
import { access } from '../../api/client.js';
import { ROLES, type Role, type User } from '../../api/types.js';
import type { OrgIndex } from '../../lib/orgs.js';
import { ROLE_HINTS, ROLE_LABELS } from '../../lib/roles.js';
import { OrgPicker } from '../OrgPicker.js';
import { described, Field, formErrorFrom, FormProblem, OneTimeSecret, type FormError } from './Fields.js';

const FIELDS = ['username', 'displayName', 'role', 'org', 'password'] as const;

/**
 * Adds a user: username, optional name, role, organisation (from the organisations the admin
 * sees) and an optional password; without one the server makes one, shown here once.
 */
export function AddUserForm({ orgs, onAdded }: { orgs: OrgIndex; onAdded?: (user: User) => void }) {
  const id = useId();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role | ''>('');
  const [org, setOrg] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<FormError | null>(null);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<{ user: User; password: string | null } | null>(null);
  const fieldId = (f: string) => `${id}-${f}`;
  const errorFor = (f: string) => (error?.field === f ? error.message : null);

  const fail = (e: FormError) => {
    setError(e);
    if (e.field) document.getElementById(fieldId(e.field))?.focus();
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (!username.trim()) return fail({ field: 'username', message: 'Enter a username.' });
    if (!role) return fail({ field: 'role', message: 'Choose a role.' });
    if (!org) return fail({ field: 'org', message: 'Choose the organisation the user belongs to: they will see it and the organisations within it.' });
    setBusy(true);
    try {
      const r = await access.addUser({
        username: username.trim(),
        role,
        org,
        ...(password ? { password } : {}),
        ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
      });
      setAdded({ user: r.user, password: r.password ?? null });
      setUsername('');
      setDisplayName('');
      setRole('');
      setOrg('');
      setPassword('');
      onAdded?.(r.user);
    } catch (err) {
      fail(formErrorFrom(err, FIELDS));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="add-user">
      {added && (
        <div class="success-panel" data-testid="user-added">
          {added.password ? (
            <OneTimeSecret title={`${added.user.username} has been added. Their password:`} secret={added.password} onDone={() => setAdded(null)}>
              <p class="hint">Give it to them in a secure way (not by e-mail together with the username). They can then sign in at {window.location.origin}/signin.</p>
            </OneTimeSecret>
          ) : (
            <p role="status">
              <strong>{added.user.username} has been added</strong> with the password you chose.
            </p>
          )}
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-title`} data-testid="add-user-form">
        <h2 class="section-title" id={`${id}-title`}>
          Add a user
        </h2>
        <FormProblem message={error && !error.field ? error.message : null} />
        <div class="form-grid">
          <Field id={fieldId('username')} label="Username" hint="Letters, digits and . _ @ + - (an e-mail address works)." error={errorFor('username')}>
            <input
              id={fieldId('username')}
              class="input"
              type="text"
              autoComplete="off"
              spellcheck={false}
              autoCapitalize="none"
              value={username}
              onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
              {...described(fieldId('username'), true, errorFor('username'))}
            />
          </Field>
          <Field id={fieldId('displayName')} label="Name (optional)" hint="Shown in the header, e.g. Jo Bloggs." error={errorFor('displayName')}>
            <input
              id={fieldId('displayName')}
              class="input"
              type="text"
              autoComplete="off"
              value={displayName}
              onInput={(e) => setDisplayName((e.target as HTMLInputElement).value)}
              {...described(fieldId('displayName'), true, errorFor('displayName'))}
            />
          </Field>
          <Field id={fieldId('role')} label="Role" hint={role ? `A ${ROLE_LABELS[role].toLowerCase()} ${ROLE_HINTS[role]}.` : 'What the user may do.'} error={errorFor('role')}>
            <select
              id={fieldId('role')}
              class="input"
              value={role}
              onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role)}
              {...described(fieldId('role'), true, errorFor('role'))}
            >
              <option value="">Choose a role</option>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </select>
          </Field>
          <div class={`form-group org-field${errorFor('org') ? ' form-group-error' : ''}`}>
            {/* The picker names its button by its own (hidden) label; this one is what is seen. */}
            <span class="form-label" aria-hidden="true">
              Organisation
            </span>
            <p class="form-hint" id={`${fieldId('org')}-hint`}>
              They see this organisation and those within it.
            </p>
            {errorFor('org') && (
              <p class="form-error" id={`${fieldId('org')}-error`}>
                <span class="visually-hidden">Error: </span>
                {errorFor('org')}
              </p>
            )}
            <OrgPicker
              orgs={orgs}
              value={org}
              onChange={setOrg}
              toggleId={fieldId('org')}
              describedBy={[`${fieldId('org')}-hint`, errorFor('org') ? `${fieldId('org')}-error` : ''].filter(Boolean).join(' ')}
              invalid={!!errorFor('org')}
            />
          </div>
          <Field
            id={fieldId('password')}
            label="Password (optional)"
            hint="At least 12 characters. Leave it empty and one is made for you, shown once."
            error={errorFor('password')}
          >
            <input
              id={fieldId('password')}
              class="input"
              type="password"
              autoComplete="new-password"
              value={password}
              onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
              {...described(fieldId('password'), true, errorFor('password'))}
            />
          </Field>
        </div>
        <div class="form-actions">
          <button type="submit" class="button" disabled={busy}>
            {busy ? 'Adding…' : 'Add user'}
          </button>
        </div>
      </form>
    </div>
  );
}
