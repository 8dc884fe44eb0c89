// The success body is written as text with Meta's answer spliced in as it arrived (routes.ts).
import { describe, expect, it } from 'vitest';
import { successJson } from '../../src/messages/routes.js';
import type { SendOutcome } from '../../src/messages/service.js';

function outcome(organization: string, metaResponseText: string): SendOutcome {
  return {
    message_id: 'wamid.HBgL"x\\y',
    recipient: '27123456789',
    message_type: 'text',
    organization,
    metaResponseText,
    kind: 'free_form',
    windowEndsAt: '2026-12-04T10:00:00.000Z',
  };
}

describe('the success body', () => {
  it("is the document's shape, every string escaped", () => {
    const meta =
      '{"messaging_product":"whatsapp","contacts":[{"input":"+27123456789","wa_id":"27123456789"}],"messages":[{"id":"wamid.1"}]}';
    const name = 'Acme "Ltd" \\ 😀\n\u2028';
    const text = successJson(outcome(name, meta));
    expect(JSON.parse(text)).toEqual({
      success: true,
      message: 'Message sent successfully',
      data: {
        message_id: 'wamid.HBgL"x\\y',
        recipient: '27123456789',
        message_type: 'text',
        organization: name,
        kind: 'free_form',
        window_ends_at: '2026-12-04T10:00:00.000Z',
        meta_response: JSON.parse(meta),
      },
    });
  });

  it("carries Meta's answer byte for byte: spacing, escapes and numbers a parse would round", () => {
    const meta =
      '{ "messaging_product": "whatsapp", "note": "caf\\u00e9", "big": 12345678901234567890123, "messages": [ { "id": "wamid.2" } ] }\n';
    const text = successJson(outcome('Acme', meta));
    expect(text.endsWith(`"meta_response":${meta}}}`)).toBe(true);
    expect(JSON.parse(text).data.meta_response.messages[0].id).toBe('wamid.2');
  });
});
