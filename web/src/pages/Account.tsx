import { SessionsPanel } from '../components/access/SessionsPanel.js';
import { TokensPanel } from '../components/access/TokensPanel.js';
import { useApp } from '../lib/context.js';
import { LEVEL_LABELS } from '../lib/orgs.js';
import { ROLE_HINTS, roleLabel } from '../lib/roles.js';

/** Your account: who you are and what you may see, your API tokens, and where you are signed in. */
export default function Account() {
  const { me, orgs } = useApp();
  const org = orgs.byCode.get(me.org);
  return (
    <div class="account-page">
      <div class="page-intro">
        <div class="page-head">
          <h1>Your account</h1>
          <p class="page-caption">Your details, API tokens and sessions</p>
        </div>
      </div>
      <section class="card" aria-labelledby="details-title">
        <h2 class="section-title" id="details-title">
          Your details
        </h2>
        <dl class="kv" data-testid="my-details">
          <dt>Username</dt>
          <dd>{me.username}</dd>
          {me.displayName && (
            <>
              <dt>Name</dt>
              <dd>{me.displayName}</dd>
            </>
          )}
          <dt>Role</dt>
          <dd>
            {roleLabel(me.role)}: {ROLE_HINTS[me.role]}
          </dd>
          <dt>Organisation</dt>
          <dd>
            {me.orgName ?? me.org}
            {org && ` (${LEVEL_LABELS[org.type]?.one ?? org.type}, ${me.org})`}: you see it and the organisations within it
          </dd>
        </dl>
        <p class="hint">To change your role or organisation, or to reset your password, ask your programme's administrator.</p>
      </section>
      <div class="card">
        <TokensPanel showUsage />
      </div>
      <div class="card">
        <SessionsPanel />
      </div>
    </div>
  );
}
