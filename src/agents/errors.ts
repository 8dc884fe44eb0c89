// The inbox's own failures, in the document's error shape through the one error handler
// (src/http/error-handler.ts maps every AppError by its status and `error`).
import { AppError } from '../errors.js';

/** Sign-in refused: the same answer for an unknown organization, email, a wrong password or a disabled agent. */
export class InvalidCredentials extends AppError {
  readonly status = 401;
  readonly error = 'Invalid credentials';
  constructor() {
    super('The organization, email or password is wrong');
  }
}

/** No valid session cookie: never signed in, signed out, expired, or the agent was disabled. */
export class NotSignedIn extends AppError {
  readonly status = 401;
  readonly error = 'Not signed in';
  constructor() {
    super('Sign in to the inbox first: no valid session');
  }
}

/** A state-changing inbox request without the session's CSRF token, or sent from another site. */
export class CsrfRefused extends AppError {
  readonly status = 403;
  readonly error = 'CSRF check failed';
}

/** A set-password link that does not exist, was already used, was replaced, or expired. */
export class InvalidPasswordLink extends AppError {
  readonly status = 400;
  readonly error = 'Invalid set-password link';
  constructor() {
    super('This set-password link is invalid, used or expired; ask an administrator for a new one');
  }
}
