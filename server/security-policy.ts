/**
 * The Content-Security-Policy of every answer (API and dashboard alike), set by the access gate.
 * Scripts come only from this server, never inline. 'unsafe-eval' is there for arquero alone (the
 * dashboard's client-side reshaping): it compiles its table expressions with new Function
 * (uwdata/arquero#361); no other code evaluates strings, and test/e2e checks that no page meets a
 * policy violation. Plot styles its SVG with style attributes (hence 'unsafe-inline' for styles
 * only); CSV downloads are blob: URLs; the sign-in page posts its form to this server only.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'unsafe-eval'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};
