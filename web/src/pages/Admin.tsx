import { useEffect, useMemo, useState } from 'preact/hooks';
import { access } from '../api/client.js';
import { useLoad } from '../api/hooks.js';
import type { User } from '../api/types.js';
import { AddUserForm } from '../components/access/AddUserForm.js';
import { ManageUser } from '../components/access/ManageUser.js';
import { UsersTable } from '../components/access/UsersTable.js';
import { ErrorState, Loading } from '../components/States.js';
import { useApp } from '../lib/context.js';
import { setParams } from '../lib/router.js';

/**
 * Admin (role admin only; the shell keeps others out, and the server refuses them anyway): the
 * users, one user's details with their tokens and sessions (`?user=`), and adding a user.
 */
export default function Admin() {
  const { orgs, me, route } = useApp();
  const loaded = useLoad('admin-users', (s) => access.users(s));
  // Kept here and updated from each answer, so a change does not reload (and close) everything.
  const [users, setUsers] = useState<User[] | null>(null);
  useEffect(() => {
    if (loaded.status === 'ready') setUsers(loaded.data.users);
  }, [loaded]);
  const selectedName = route.query.get('user');
  const selected = useMemo(() => users?.find((u) => u.username === selectedName) ?? null, [users, selectedName]);

  const replace = (user: User) => setUsers((list) => (list ?? []).map((u) => (u.username === user.username ? user : u)));
  const add = (user: User) => setUsers((list) => [...(list ?? []), user].sort((a, b) => a.username.localeCompare(b.username)));
  const manage = (username: string) => setParams({ user: username === selectedName ? null : username });
  /** Closes a user's details and puts the focus back on their Manage button. */
  const close = (username: string) => {
    setParams({ user: null });
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`tr[data-username="${CSS.escape(username)}"] button`)?.focus());
  };

  return (
    <div class="account-page">
      <div class="page-intro">
        <div class="page-head">
          <h1>Admin</h1>
          <p class="page-caption">Users, their API tokens and sessions</p>
        </div>
        <p class="lede">
          Each user has one role and one organisation: they see that organisation and the organisations within it. Every change here is
          recorded in the <a href="/audit">audit log</a>.
        </p>
      </div>
      <section class="card" aria-labelledby="users-title">
        <h2 class="section-title" id="users-title">
          Users{users ? ` (${users.length})` : ''}
        </h2>
        {loaded.status === 'loading' && !users && <Loading height={120} label="Loading the users" />}
        {loaded.status === 'error' && <ErrorState error={loaded.error} />}
        {users && <UsersTable users={users} orgs={orgs} selected={selectedName} onManage={manage} />}
      </section>
      {selected && <ManageUser user={selected} orgs={orgs} me={me.username} onChanged={replace} onClose={() => close(selected.username)} />}
      {users && selectedName && !selected && (
        <p class="notice" role="status">
          There is no user “{selectedName}”.
        </p>
      )}
      <div class="card">
        <AddUserForm orgs={orgs} onAdded={add} />
      </div>
    </div>
  );
}
