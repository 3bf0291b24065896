/**
 * The sign-in page: plain HTML with a form that posts to /api/session, so it works without
 * JavaScript (and needs none: the policy allows no inline script). NHS-style: one column, large
 * labelled fields, an error summary linked to the field, the focus ring the NHS design system uses.
 */
const MESSAGES: Record<string, string> = {
  invalid: 'The username or password is not right.',
  locked: 'Too many failed sign-ins. Wait 15 minutes and try again, or ask an administrator to reset your password.',
  missing: 'Enter your username and password.',
  expired: 'Your session has ended. Sign in again.',
  oidc: 'Single sign-on did not complete. Try again, or sign in with a username and password.',
  oidc_denied: 'Your single sign-on account has no role or organisation for Portal Insights. Ask an administrator to give you access.',
};

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface SignInPageOptions {
  next: string;
  error: string | null;
  oidc: { label: string } | null;
}

export function renderSignInPage({ next, error, oidc }: SignInPageOptions): string {
  const message = error ? (MESSAGES[error] ?? MESSAGES.invalid!) : null;
  const safeNext = /^\/(?![/\\])/.test(next) ? next : '/';
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${message ? 'Error: ' : ''}Sign in – Portal Insights</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23005eb8'/%3E%3Cpath d='M4 11V5h3a2 2 0 010 4H4' stroke='white' stroke-width='1.6' fill='none'/%3E%3C/svg%3E">
<style>
  :root { --blue: #005eb8; --text: #212b32; --grey: #4c6272; --error: #d5281b; --focus: #ffeb3b; --bg: #f0f4f5; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif; color: var(--text); background: var(--bg); line-height: 1.5; font-size: 1.1875rem; }
  header { background: var(--blue); color: #fff; padding: 1rem 1.5rem; }
  header strong { font-size: 1.25rem; display: inline-flex; align-items: center; gap: .6rem; }
  .mark { display: inline-grid; place-items: center; width: 2.25rem; height: 2.25rem; background: #fff; color: var(--blue); border-radius: 3px; font-size: 1rem; }
  main { max-width: 30rem; margin: 2.5rem auto; background: #fff; padding: 2rem; border-radius: 4px; }
  h1 { font-size: 2rem; margin: 0 0 1.5rem; }
  label { display: block; font-weight: bold; margin: 1.25rem 0 .25rem; }
  input[type=text], input[type=password] { width: 100%; font-size: 1.1875rem; padding: .5rem; border: 2px solid var(--text); border-radius: 0; }
  input:focus, button:focus, a:focus { outline: 4px solid var(--focus); outline-offset: 0; box-shadow: inset 0 0 0 2px var(--text); }
  .button { display: inline-block; margin-top: 1.75rem; background: #007f3b; color: #fff; border: 0; border-bottom: 4px solid #00401e; padding: .6rem 1.2rem; font-size: 1.1875rem; font-weight: bold; cursor: pointer; text-decoration: none; border-radius: 4px; }
  .button.secondary { background: var(--blue); border-bottom-color: #003087; }
  .error-summary { border: 4px solid var(--error); padding: 1rem; margin-bottom: 1.5rem; }
  .error-summary h2 { margin: 0 0 .5rem; font-size: 1.3rem; }
  .error-summary a { color: var(--error); font-weight: bold; }
  .or { margin: 2rem 0 0; color: var(--grey); }
  .hint { color: var(--grey); font-size: 1rem; margin-top: 2rem; }
</style>
</head>
<body>
<header><strong><span class="mark" aria-hidden="true">PI</span>Portal Insights</strong></header>
<main id="main">
<h1>Sign in</h1>
${message ? `<div class="error-summary" role="alert" aria-labelledby="error-title" tabindex="-1"><h2 id="error-title">There is a problem</h2><p><a href="#username">${escapeHtml(message)}</a></p></div>` : ''}
<form method="post" action="/api/session" novalidate>
  <input type="hidden" name="next" value="${escapeHtml(safeNext)}">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" autocomplete="username" spellcheck="false" autocapitalize="none" required${message ? ' aria-describedby="error-title"' : ''} autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <button class="button" type="submit">Sign in</button>
</form>
${oidc ? `<p class="or">Or, with your organisation's account:</p><a class="button secondary" href="/api/auth/oidc/login?next=${encodeURIComponent(safeNext)}">${escapeHtml(oidc.label)}</a>` : ''}
<p class="hint">Portal Insights shows pseudonymised data about patients. Access is recorded. If you have no account, ask your programme's administrator.</p>
</main>
</body>
</html>`;
}
