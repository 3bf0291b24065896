/**
 * The Content-Security-Policy of every answer (API and dashboard alike), set by the access gate.
 * Scripts come only from this server: never inline, and never code built from strings (no
 * 'unsafe-eval': the dashboard's reshaping is plain TypeScript, web/src/lib/group.ts, and test/e2e
 * checks that the built code holds no eval or new Function and that no page meets a policy
 * violation). Plot styles its SVG with style attributes (hence 'unsafe-inline' for styles only);
 * CSV downloads are blob: URLs; the sign-in page posts its form to this server only.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};
