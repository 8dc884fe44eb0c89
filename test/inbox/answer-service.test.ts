// AnswerService with stand-ins for its store, the send service and the change bus: the order of
// what an answer does, which the route tests cannot see. The agent is recorded after the send
// (whether Meta took it or not), then an open page is told the message changed; a failure to
// record is logged and never turns a sent message into an error.
import { describe, expect, it } from 'vitest';
import { AnswerService, type AnswerDeps } from '../../src/inbox/answer-service.js';
import type { SendOutcome } from '../../src/messages/service.js';
import type { OrganizationRow } from '../../src/organizations/store.js';
import { MetaApiError } from '../../src/errors.js';

const ORG = { id: '01937a4e-0000-7000-8000-0000000000f1', name: 'Acme' } as OrganizationRow;
const CONVERSATION = '01937a4e-1111-7000-8000-0000000000aa';
const OUTCOME = { message_id: 'wamid.X' } as SendOutcome;

function service(opts: { send?: () => Promise<SendOutcome>; attribute?: () => Promise<string[]> } = {}) {
  const events: string[] = [];
  const deps: AnswerDeps = {
    store: {
      contactOf: async () => ({ contactId: 'c1', whatsappNumber: '27820000001' }),
      target: async () => undefined,
      attribute: async (a) => {
        events.push(`attribute ${a.agentId} ${a.requestId}`);
        return opts.attribute ? opts.attribute() : ['m1'];
      },
    },
    send: {
      send: async (_org, req) => {
        events.push(`send ${req.phone_number}`);
        return opts.send ? opts.send() : OUTCOME;
      },
    },
    log: { error: (...args: unknown[]) => void events.push(`log ${String(args[1])} ${String(args[0] !== undefined)}`) },
    live: { publish: (changes) => void events.push(`publish ${JSON.stringify(changes)}`) },
  };
  const answers = new AnswerService(deps);
  const answer = () =>
    answers.answer({
      org: ORG,
      agentId: 'agent-1',
      conversationId: CONVERSATION,
      body: { message_type: 'text', text: 'hi' },
      requestId: 'req-1',
    });
  return { events, answer };
}

const HINT = `publish ${JSON.stringify([{ organization_id: ORG.id, conversation_id: CONVERSATION, kind: 'status', message_id: 'm1' }])}`;

describe('AnswerService', () => {
  it('sends, then records the agent, then tells open pages the message changed', async () => {
    const { events, answer } = service();
    expect(await answer()).toBe(OUTCOME);
    expect(events).toEqual(['send +27820000001', 'attribute agent-1 req-1', HINT]);
  });

  it('records the agent when Meta refused the message too, and answers the refusal', async () => {
    const { events, answer } = service({ send: () => Promise.reject(new MetaApiError('refused')) });
    await expect(answer()).rejects.toBeInstanceOf(MetaApiError);
    expect(events).toEqual(['send +27820000001', 'attribute agent-1 req-1', HINT]);
  });

  it('answers a sent message as sent when recording the agent fails, and logs it', async () => {
    const { events, answer } = service({ attribute: () => Promise.reject(new Error('database gone')) });
    expect(await answer()).toBe(OUTCOME);
    expect(events).toEqual([
      'send +27820000001',
      'attribute agent-1 req-1',
      'log could not record the answering agent true',
    ]);
  });

  it('publishes nothing when no row was written (refused before the send wrote one)', async () => {
    const { events, answer } = service({ attribute: async () => [] });
    await answer();
    expect(events.filter((e) => e.startsWith('publish'))).toEqual([]);
  });
});
