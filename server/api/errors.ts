/** An error caused by the request: answered with its status and message, never a stack trace. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: 400 | 404,
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
