// Contact cards (docs/META.md §1). Follows Meta's docs where the spec disagrees: up to 257 cards,
// name.formatted_name required, phones[].phone optional, every `type` free text.
import { invalidValue } from '../errors.js';
import {
  expectArray,
  expectObject,
  onlyKeys,
  optionalArray,
  optionalObject,
  optionalString,
  requiredObject,
  requiredString,
  sub,
  type Obj,
} from './check.js';

const MAX_CARDS = 257;

const CARD_KEYS = new Set(['name', 'phones', 'emails', 'addresses', 'urls', 'org', 'birthday']);
const NAME_KEYS = new Set(['formatted_name', 'first_name', 'last_name', 'middle_name', 'prefix', 'suffix']);
const PHONE_KEYS = new Set(['phone', 'type', 'wa_id']);
const EMAIL_KEYS = new Set(['email', 'type']);
const ADDRESS_KEYS = new Set(['street', 'city', 'state', 'zip', 'country', 'country_code', 'type']);
const URL_KEYS = new Set(['url', 'type']);
const ORG_KEYS = new Set(['company', 'department', 'title']);

const BIRTHDAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function validateContacts(v: unknown): void {
  const cards = expectArray(v, 'contacts', 1, MAX_CARDS);
  cards.forEach((card, i) => validateCard(card, sub('contacts', i)));
}

function validateCard(v: unknown, path: string): void {
  const card = expectObject(v, path);
  onlyKeys(card, CARD_KEYS, path);
  const name = requiredObject(card, 'name', path);
  const namePath = sub(path, 'name');
  onlyKeys(name, NAME_KEYS, namePath);
  requiredString(name, 'formatted_name', namePath);
  for (const key of NAME_KEYS) optionalString(name, key, namePath);
  validateEntries(card, 'phones', PHONE_KEYS, path);
  validateEntries(card, 'emails', EMAIL_KEYS, path);
  validateEntries(card, 'addresses', ADDRESS_KEYS, path);
  validateEntries(card, 'urls', URL_KEYS, path);
  const org = optionalObject(card, 'org', path);
  if (org !== undefined) validateStrings(org, ORG_KEYS, sub(path, 'org'));
  checkBirthday(card, path);
}

/** phones, emails, addresses, urls: optional arrays of objects whose fields are all strings. */
function validateEntries(card: Obj, key: string, allowed: ReadonlySet<string>, path: string): void {
  const list = optionalArray(card, key, path);
  if (list === undefined) return;
  const listPath = sub(path, key);
  list.forEach((entry, i) => validateStrings(expectObject(entry, sub(listPath, i)), allowed, sub(listPath, i)));
}

function validateStrings(o: Obj, allowed: ReadonlySet<string>, path: string): void {
  onlyKeys(o, allowed, path);
  for (const key in o) optionalString(o, key, path);
}

/** Meta: birthday as YYYY-MM-DD. */
function checkBirthday(card: Obj, path: string): void {
  const birthday = optionalString(card, 'birthday', path);
  if (birthday === undefined) return;
  const m = BIRTHDAY.exec(birthday);
  const date = m === null ? undefined : new Date(`${birthday}T00:00:00Z`);
  if (date === undefined || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== birthday) {
    throw invalidValue(`Param ${sub(path, 'birthday')} must be a date written YYYY-MM-DD.`);
  }
}
