/** An error caused by the request: answered with its status and message, never a stack trace. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 429,
    message: string,
    readonly parameter?: string,
    readonly allowed?: readonly string[],
  ) {
    super(message);
  }

  toJSON() {
    return {
      error: this.message,
      ...(this.parameter ? { parameter: this.parameter } : {}),
      ...(this.allowed ? { allowed: [...this.allowed] } : {}),
    };
  }
}

export const badParameter = (parameter: string, message: string, allowed?: readonly string[]) =>
  new ApiError(400, message, parameter, allowed);

/** Signed out, or a credential that is no longer valid. */
export const notSignedIn = (message = 'Sign in first: this service shows data only to signed-in users (a session cookie from POST /api/session, or Authorization: Bearer <API token>).') =>
  new ApiError(401, message);

/** Signed in, but the role or the organisation scope does not allow it. */
export const forbidden = (message: string, parameter?: string) => new ApiError(403, message, parameter);
