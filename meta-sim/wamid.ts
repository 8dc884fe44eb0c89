// Ids that look like Meta's.
import { randomBytes, randomInt } from 'node:crypto';

/**
 * A real wamid is base64 of a small binary record: 1C 18 <len> <wa_id digits> 15 02 00 11 18 12
 * <18 uppercase hex characters> 00 (decode "wamid.HBgLMTY1MDUxNzY1MjIVAgARGBI5QUNDQjA5RkVGNzU2NzQxQjcA").
 * The 18 characters are 8 random hex per generator (so two simulators do not collide) and a
 * 10-hex-digit counter (so ids never repeat within one).
 */
export function createWamidGenerator(): (waId: string) => string {
  const prefix = randomBytes(4).toString('hex').toUpperCase();
  let counter = 0;
  return (waId: string): string => {
    counter += 1;
    const unique = prefix + counter.toString(16).toUpperCase().padStart(10, '0');
    const digits = waId.length;
    const buf = Buffer.allocUnsafe(3 + digits + 6 + unique.length + 1);
    buf[0] = 0x1c;
    buf[1] = 0x18;
    buf[2] = digits;
    buf.write(waId, 3, 'latin1');
    let at = 3 + digits;
    for (const b of [0x15, 0x02, 0x00, 0x11, 0x18, 0x12]) buf[at++] = b;
    at += buf.write(unique, at, 'latin1');
    buf[at] = 0x00;
    return 'wamid.' + buf.toString('base64');
  };
}

/** Meta's media ids are 15–16 digit decimal strings, e.g. "1037543291543636". */
export function createMediaIdGenerator(): () => string {
  let next = 1_000_000_000_000_000 + randomInt(0, 2 ** 47);
  return (): string => {
    next += 1;
    return String(next);
  };
}
