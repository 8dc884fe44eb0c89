// Carrying out an injected fault on a Graph call.
import type { FastifyReply } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { graphErrorFromFault } from './graph-codes.js';
import { dropConnection, sendGraphError } from './graph-reply.js';
import type { SimState } from './state.js';
import type { SimFaultAction } from './types.js';

/** answered: the fault produced the outcome; proceed: handle normally; drop-after: handle, then cut the connection. */
export type FaultOutcome = 'answered' | 'proceed' | 'drop-after';

export async function applyFault(action: SimFaultAction, reply: FastifyReply, state: SimState): Promise<FaultOutcome> {
  switch (action.kind) {
    case 'graph_error':
      state.counts.refused += 1;
      sendGraphError(reply, graphErrorFromFault(action));
      return 'answered';
    case 'http_status':
      sendRawStatus(reply, action.status, action.body ?? '');
      return 'answered';
    case 'delay':
      await sleep(action.ms);
      return 'proceed';
    case 'drop':
      if (action.when === 'after') return 'drop-after';
      dropConnection(reply);
      return 'answered';
  }
}

/** An answer that is not Graph's: what a proxy or load balancer in front of Graph would send. */
function sendRawStatus(reply: FastifyReply, status: number, body: string): void {
  const looksJson = body.startsWith('{') || body.startsWith('[');
  reply
    .code(status)
    .header('content-type', looksJson ? 'application/json; charset=UTF-8' : 'text/html; charset=utf-8')
    .send(body);
}
