/**
 * Typed domain errors, mapped to HTTP in one place (error-handler.ts): services throw these, handlers never
 * build error responses by hand.
 */

export interface FieldError {
  /** The form field or JSON pointer the message is about, e.g. "email" or "/body/email". */
  field: string
  message: string
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message)
    this.name = new.target.name
  }
}

export class ValidationError extends AppError {
  constructor(readonly fieldErrors: FieldError[]) {
    super(400, 'There is a problem', fieldErrors.map((e) => e.message).join('; '))
  }
}

/** An error of one HTTP status and title, with a message of its own or the status's usual one. */
function statusError(status: number, title: string, usualMessage: string) {
  return class extends AppError {
    constructor(message = usualMessage) {
      super(status, title, message)
    }
  }
}

/** Also used for records the caller may not see: 404 never says whether the record exists. */
export class NotFoundError extends statusError(404, 'Not found', 'The page or record was not found') {}

/** No valid credentials (API: a missing, malformed, unknown, expired or revoked token). */
export class UnauthorizedError extends statusError(
  401,
  'Unauthorized',
  'Send a valid API token: Authorization: Bearer <token>',
) {}

/** A function the caller's roles do not allow (records the caller may not see answer 404 instead). */
export class ForbiddenError extends statusError(
  403,
  'You do not have permission to see this page',
  'You do not have permission to do this. Ask your system administrator if you need to.',
) {}

export class ConflictError extends statusError(
  409,
  'Conflict',
  'Someone else changed this record while you were editing it',
) {}

export class ServiceUnavailableError extends statusError(
  503,
  'Service unavailable',
  'The service is unavailable',
) {}

/** RFC 9457 problem details, as every API error is sent. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  requestId: string
  errors?: FieldError[]
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'
