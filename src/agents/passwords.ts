// Agents' passwords: Argon2id (@node-rs/argon2's defaults are OWASP's recommended minimum:
// 19 MiB, 2 passes, 1 lane), with bounds on length checked before any hashing.
import { hash, verify } from '@node-rs/argon2';

/** At least this many characters: length is what makes a password hard to guess (NIST 800-63B). */
export const MIN_PASSWORD_LENGTH = 12;
/**
 * At most this many: Argon2's cost does not grow with the input, but reading and hashing a
 * megabyte-long "password" still costs the server; nobody types more than this.
 */
export const MAX_PASSWORD_LENGTH = 256;

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'));
}

/**
 * A hash of a password nobody has, made once: a sign-in for an account that does not exist (or
 * has no password yet) is verified against it, so it takes as long as one for a real account.
 */
let dummy: Promise<string> | undefined;

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  dummy ??= hash('flowiq: no account has this password');
  const phc = stored ?? (await dummy);
  try {
    const ok = await verify(phc, password.normalize('NFC'));
    return ok && stored !== null;
  } catch {
    return false; // a stored value that is not a PHC string matches nothing
  }
}
