/** The importer refused something on purpose; the message says what and what to do. */
export class RefusedError extends Error {
  override name = 'RefusedError';
}
