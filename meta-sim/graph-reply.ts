// Writing Graph's answers, and the one way the simulator cuts a connection.
import type { FastifyReply } from 'fastify';
import { errorBody, type GraphError } from './errors.js';

const JSON_TYPE = 'application/json; charset=UTF-8';

/** A Graph answer, computed before it is sent so a fault can still swallow it. */
export interface GraphAnswer {
  status: number;
  body: string;
}

export function errorAnswer(err: GraphError): GraphAnswer {
  return { status: err.httpStatus, body: errorBody(err) };
}

export function sendAnswer(reply: FastifyReply, answer: GraphAnswer): FastifyReply {
  // A prebuilt string with its type set skips Fastify's serializer: the hot path stays cheap.
  return reply.code(answer.status).header('content-type', JSON_TYPE).send(answer.body);
}

export function sendGraphError(reply: FastifyReply, err: GraphError): FastifyReply {
  return sendAnswer(reply, errorAnswer(err));
}

/** Cuts the connection with a TCP reset and no answer, as a crashed proxy or a network fault would. */
export function dropConnection(reply: FastifyReply): void {
  reply.hijack();
  const socket = reply.raw.socket;
  if (socket === null) return;
  socket.resetAndDestroy();
}
