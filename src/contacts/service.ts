// Contacts: the recipients an organization may message. One per normalized number per organization.
import { isUniqueViolation } from '../db/errors.js';
import { newId, nowIso } from '../db/ids.js';
import { ContactExists, ContactNotFound, InvalidField } from '../errors.js';
import { TtlCache } from '../lib/ttl-cache.js';
import { phoneOrThrow } from './phone.js';
import type { ContactRow, ContactStore } from './store.js';

export interface ContactInput {
  phone_number: string;
  name?: string | undefined;
  email?: string | undefined;
  custom_fields?: Record<string, unknown> | undefined;
}

export interface ContactView {
  id: string;
  /** Null for a WhatsApp user known only by user id (an inbound message without a number). */
  whatsapp_number: string | null;
  name: string | null;
  email: string | null;
  custom_fields: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Contacts are never deleted, so a found contact may be cached for as long as we like; a missing
// one is never cached, so a contact created on another instance is found at once.
const CONTACT_CACHE_TTL_MS = 60_000;

export function toContactView(row: ContactRow): ContactView {
  return {
    id: row.id,
    whatsapp_number: row.whatsapp_number,
    name: row.name,
    email: row.email,
    custom_fields: row.custom_fields === null ? null : (JSON.parse(row.custom_fields) as Record<string, unknown>),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export class ContactService {
  readonly #cache = new TtlCache<ContactRow>(CONTACT_CACHE_TTL_MS, 100_000);

  constructor(private readonly store: ContactStore) {}

  async create(organizationId: string, input: ContactInput): Promise<ContactRow> {
    const whatsappNumber = phoneOrThrow(input.phone_number);
    const email = input.email?.trim();
    if (email !== undefined && email !== '' && !EMAIL.test(email))
      throw new InvalidField('email must be an email address');
    const now = nowIso();
    const row: ContactRow = {
      id: newId(),
      organization_id: organizationId,
      whatsapp_number: whatsappNumber,
      name: input.name?.trim() || null,
      email: email || null,
      custom_fields: input.custom_fields === undefined ? null : JSON.stringify(input.custom_fields),
      user_id: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.store.insert(row, { source: 'api', contact: toContactView(row) });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const existing = await this.store.findByNumber(organizationId, whatsappNumber);
      throw new ContactExists(whatsappNumber, existing?.id ?? 'unknown');
    }
    return row;
  }

  /**
   * The send path's lookup; `whatsappNumber` is already normalized. A cached contact is answered
   * synchronously (no promise, no microtask turn); only a miss goes to the database.
   */
  findByNumber(organizationId: string, whatsappNumber: string): ContactRow | Promise<ContactRow | undefined> {
    const cacheKey = `${organizationId}:${whatsappNumber}`;
    const hit = this.#cache.get(cacheKey);
    if (hit) return hit;
    return this.store.findByNumber(organizationId, whatsappNumber).then((row) => {
      if (row) this.#cache.set(cacheKey, row);
      return row;
    });
  }

  async get(organizationId: string, phoneNumber: string): Promise<ContactRow> {
    const whatsappNumber = phoneOrThrow(phoneNumber);
    const row = await this.store.findByNumber(organizationId, whatsappNumber);
    if (!row) throw new ContactNotFound(whatsappNumber);
    return row;
  }

  list(organizationId: string, opts: { after?: string; limit: number }): Promise<ContactRow[]> {
    return this.store.list(organizationId, opts);
  }
}
