/**
 * Single sign-on settings (OpenID Connect: Microsoft Entra ID / NHSmail, or any other provider),
 * read from the environment. Users signing in this way get the role and organisation named by
 * the provider's claims.
 */
import { isRole, type Role } from './roles.js';

export interface OidcSettings {
  /** The provider's issuer URL (its /.well-known/openid-configuration is read from it). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** This server's public URL of the callback, e.g. https://insights.example.nhs.uk/api/auth/oidc/callback. */
  redirectUri: string;
  /** Scopes asked for (default "openid email profile"). */
  scope: string;
  /** The claim holding the user's role (one of the roles), and the one holding the organisation code. */
  roleClaim: string;
  orgClaim: string;
  /** The claim used as the username (default email, then preferred_username, then sub). */
  usernameClaim: string;
  /** Role given when the role claim is missing; null refuses such users. */
  defaultRole: Role | null;
  /** The label of the sign-in button. */
  label: string;
  /** Allows an http:// issuer (a provider on this machine in tests); never in production. */
  allowInsecure: boolean;
}

export function oidcSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OidcSettings | null {
  const issuer = env.PORTAL_OIDC_ISSUER;
  if (!issuer) return null;
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`${name} must be set when PORTAL_OIDC_ISSUER is (single sign-on)`);
    return v;
  };
  const defaultRole = env.PORTAL_OIDC_DEFAULT_ROLE ?? null;
  if (defaultRole !== null && !isRole(defaultRole)) throw new Error(`PORTAL_OIDC_DEFAULT_ROLE must be a role (got '${defaultRole}')`);
  return {
    issuer,
    clientId: need('PORTAL_OIDC_CLIENT_ID'),
    clientSecret: need('PORTAL_OIDC_CLIENT_SECRET'),
    redirectUri: need('PORTAL_OIDC_REDIRECT_URI'),
    scope: env.PORTAL_OIDC_SCOPE ?? 'openid email profile',
    roleClaim: env.PORTAL_OIDC_ROLE_CLAIM ?? 'portal_role',
    orgClaim: env.PORTAL_OIDC_ORG_CLAIM ?? 'portal_org',
    usernameClaim: env.PORTAL_OIDC_USERNAME_CLAIM ?? 'email',
    defaultRole,
    label: env.PORTAL_OIDC_LABEL ?? 'Sign in with NHSmail',
    allowInsecure: env.PORTAL_OIDC_ALLOW_HTTP === 'true',
  };
}
