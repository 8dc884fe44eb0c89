// The facts about a phone number that webhooks carry: its WABA id (entry[].id) and its display
// number (metadata.display_phone_number). Unless configured, both are derived from the phone id by
// hashing, so the same phone id always gets the same values, in every run and every process.
import { createHash } from 'node:crypto';
import type { SimPhoneInfo } from './webhook-types.js';

const DIGITS = /^\d{1,20}$/;

function hashDigits(seed: string, count: number): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return (BigInt('0x' + hex.slice(0, 24)) % 10n ** BigInt(count)).toString().padStart(count, '0');
}

/** 15 digits starting with 1, the shape of Meta's WABA ids, e.g. "102290129340398". */
export function defaultWabaId(phoneId: string): string {
  return '1' + hashDigits('waba:' + phoneId, 14);
}

/** A US 555 number, as Meta's test numbers are, e.g. "15550783881". */
export function defaultDisplayNumber(phoneId: string): string {
  return '1555' + hashDigits('display:' + phoneId, 7);
}

export class PhoneDirectory {
  private readonly info = new Map<string, SimPhoneInfo>();

  set(phoneId: string, info: SimPhoneInfo): void {
    if (info.wabaId !== undefined && !DIGITS.test(info.wabaId)) throw new TypeError('wabaId must be digits');
    if (info.displayPhoneNumber !== undefined && !DIGITS.test(info.displayPhoneNumber))
      throw new TypeError('displayPhoneNumber must be digits');
    this.info.set(phoneId, { ...this.info.get(phoneId), ...info });
  }

  get(phoneId: string): Required<SimPhoneInfo> {
    const i = this.info.get(phoneId);
    if (i?.wabaId !== undefined && i.displayPhoneNumber !== undefined)
      return { wabaId: i.wabaId, displayPhoneNumber: i.displayPhoneNumber };
    // Derived once, then kept: every status webhook asks.
    const full = {
      wabaId: i?.wabaId ?? defaultWabaId(phoneId),
      displayPhoneNumber: i?.displayPhoneNumber ?? defaultDisplayNumber(phoneId),
    };
    this.info.set(phoneId, full);
    return { ...full };
  }
}

// Country prefixes for the business-scoped user id's "CC." part (docs/META.md §4); others get "ZZ".
const COUNTRY_PREFIXES: [string, string][] = [
  ['234', 'NG'],
  ['254', 'KE'],
  ['27', 'ZA'],
  ['44', 'GB'],
  ['49', 'DE'],
  ['33', 'FR'],
  ['34', 'ES'],
  ['39', 'IT'],
  ['31', 'NL'],
  ['55', 'BR'],
  ['52', 'MX'],
  ['61', 'AU'],
  ['62', 'ID'],
  ['81', 'JP'],
  ['91', 'IN'],
  ['1', 'US'],
];

/** A business-scoped user id: stable per (WABA, wa_id), like "US.13491208655302741918". */
export function defaultUserId(wabaId: string, waId: string): string {
  const country = COUNTRY_PREFIXES.find(([prefix]) => waId.startsWith(prefix))?.[1] ?? 'ZZ';
  return `${country}.${hashDigits(`user:${wabaId}:${waId}`, 20)}`;
}
