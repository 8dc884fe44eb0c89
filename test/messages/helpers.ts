import { expect } from 'vitest';
import { AppError } from '../../src/errors.js';
import { validateSendRequest } from '../../src/messages/validate.js';

/** The AppError validateSendRequest throws for `body`; fails the test when it accepts it. */
export function refusal(body: unknown): AppError {
  try {
    validateSendRequest(body);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(body).slice(0, 200)}`);
}

/** Expects a 400 with exactly this `error` and `message`. */
export function expectRefused(body: unknown, error: string, message: string | RegExp): void {
  const err = refusal(body);
  expect({ status: err.status, error: err.error }).toEqual({ status: 400, error });
  if (typeof message === 'string') expect(err.message).toBe(message);
  else expect(err.message).toMatch(message);
}

export const MISSING = 'Missing required field';
export const INVALID = 'Invalid field';
export const INVALID_TYPE = 'Invalid message type';
