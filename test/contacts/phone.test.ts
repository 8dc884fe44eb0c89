import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePhone, toGraphRecipient } from '../../src/contacts/phone.js';

describe('phone number normalization', () => {
  it.each([
    ['+27 (12) 345-6789', '27123456789'],
    ['+27123456789', '27123456789'],
    ['27123456789', '27123456789'],
    ['+1 650.555.0100', '16505550100'],
    ['12345678', '12345678'],
    ['123456789012345', '123456789012345'],
    // Every other special character is removed, as the document says: #, _, commas, en dashes, an
    // invisible left-to-right mark, a no-break space.
    ['+27#123456789', '27123456789'],
    ['+27_123_456_789', '27123456789'],
    ['+27,123,456,789', '27123456789'],
    ['+27–123–456–789', '27123456789'],
    ['\u200e+27123456789', '27123456789'],
    ['+27\u00a0123\u00a0456\u00a0789', '27123456789'],
    // 00 is the international prefix: the same contact as 27123456789, not a second one.
    ['0027123456789', '27123456789'],
    ['00 27 12 345 6789', '27123456789'],
  ])('%s → %s', (input, digits) => {
    expect(normalizePhone(input)).toBe(digits);
  });

  it.each([
    '1234567',
    '1234567890123456',
    '+27abc123456789',
    'phone',
    '',
    '+27 12 345 6789 ext 2',
    '+٢٧١٢٣٤٥٦٧٨٩',
    '+27１２３４５６７８９',
    '0123456789',
    '012 345 6789',
    '+0123456789',
  ])('refuses %s', (input) => {
    expect(normalizePhone(input)).toBeUndefined();
  });

  it('always yields 8–15 digits or nothing', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = normalizePhone(s);
        return out === undefined || /^\d{8,15}$/.test(out);
      }),
    );
  });

  it('writes Graph recipients with a leading +', () => {
    expect(toGraphRecipient('27123456789')).toBe('+27123456789');
  });
});
