import type { User } from '../../api/types.js';
import { formatDateTime } from '../../lib/format.js';
import { LEVEL_LABELS, type OrgIndex } from '../../lib/orgs.js';
import { roleLabel } from '../../lib/roles.js';

/**
 * Every user: username (and name), role, organisation (name and code), how they sign in, whether
 * disabled, last sign-in; "Manage" opens their details. Organisations outside the admin's own
 * view are shown by code.
 */
export function UsersTable({ users, orgs, selected, onManage }: { users: User[]; orgs: OrgIndex | null; selected?: string | null; onManage: (username: string) => void }) {
  if (users.length === 0) return <p>There are no users yet.</p>;
  return (
    <div class="table-scroll">
      <table class="data-table users-table" data-testid="users-table">
        <caption class="visually-hidden">Users</caption>
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
            <th scope="col">Organisation</th>
            <th scope="col">Sign-in</th>
            <th scope="col">Status</th>
            <th scope="col">Last signed in</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const org = orgs?.byCode.get(u.org);
            return (
              <tr key={u.username} class={u.username === selected ? 'highlight' : undefined} data-username={u.username}>
                <th scope="row">
                  <span class="username">{u.username}</span>
                  {u.displayName && <span class="cell-detail">{u.displayName}</span>}
                </th>
                <td>{roleLabel(u.role)}</td>
                <td class="wrap">
                  {org ? org.name : u.org}
                  <span class="cell-detail">
                    {org ? `${LEVEL_LABELS[org.type]?.one ?? org.type} · ` : ''}
                    {u.org}
                  </span>
                </td>
                <td>{u.source === 'oidc' ? 'Single sign-on' : 'Password'}</td>
                <td>{u.disabled ? <span class="tag tag-disabled">Disabled</span> : <span class="tag tag-active">Active</span>}</td>
                <td>{u.lastSignInAt ? formatDateTime(u.lastSignInAt) : 'Never'}</td>
                <td class="actions">
                  <button type="button" class="button-secondary button-small" aria-expanded={u.username === selected} onClick={() => onManage(u.username)}>
                    Manage<span class="visually-hidden"> {u.username}</span>
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
