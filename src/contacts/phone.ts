// The API contract: "The API removes special characters automatically." Contacts and the send endpoint
// share this one rule, so "+27 (12) 345-6789" finds the contact stored as 27123456789.
import { InvalidField } from '../errors.js';

export const PHONE_MIN_DIGITS = 8;
export const PHONE_MAX_DIGITS = 15; // E.164

// A letter ("ext 2", "call me") or a digit of another script (٢٧…) means the text is not a number
// we can read; any other character (separators, #, _, dashes of every width, invisible marks) is
// one of the "special characters" removed.
const NOT_A_NUMBER = /\p{L}|(?![0-9])\p{N}/u;

/** Digits only, or undefined when the input is not a phone number: no letters, 8–15 digits. */
export function normalizePhone(input: string): string | undefined {
  if (NOT_A_NUMBER.test(input)) return undefined;
  let digits = input.replace(/\D+/g, '');
  // 00 is the international call prefix: 0027… is +27…, the same contact as 27….
  if (digits.startsWith('00')) digits = digits.slice(2);
  // Any other leading 0 is a national trunk prefix: there is no country code to read the rest by.
  else if (digits.startsWith('0')) return undefined;
  if (digits.length < PHONE_MIN_DIGITS || digits.length > PHONE_MAX_DIGITS) return undefined;
  return digits;
}

/** The phone rule as the API answers it: digits, or InvalidField naming the field. */
export function phoneOrThrow(input: string, field = 'phone_number'): string {
  const digits = normalizePhone(input);
  if (digits === undefined)
    throw new InvalidField(`${field} must be a phone number with country code: 8 to 15 digits, no letters`);
  return digits;
}

/** Meta wants `to` with a leading + : without it, Meta may prepend the business number's country code. */
export function toGraphRecipient(whatsappNumber: string): string {
  return `+${whatsappNumber}`;
}
