// The document: "The API removes special characters automatically." Contacts and the send endpoint
// share this one rule, so "+27 (12) 345-6789" finds the contact stored as 27123456789.

export const PHONE_MIN_DIGITS = 8;
export const PHONE_MAX_DIGITS = 15; // E.164

/**
 * Digits only, or undefined when the input is not a phone number: it may hold separators
 * (spaces, + - . ( ) and slashes) but no letters, and must come to 8–15 digits.
 */
export function normalizePhone(input: string): string | undefined {
  if (!/^[\d\s+\-()./]*$/.test(input)) return undefined;
  const digits = input.replace(/\D+/g, '');
  if (digits.length < PHONE_MIN_DIGITS || digits.length > PHONE_MAX_DIGITS) return undefined;
  return digits;
}

/** Meta wants `to` with a leading + : without it, Meta may prepend the business number's country code. */
export function toGraphRecipient(whatsappNumber: string): string {
  return `+${whatsappNumber}`;
}
