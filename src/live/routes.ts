// GET /inbox/api/stream: the signed-in agent's organization's change hints as Server-Sent Events.
// The inbox scope's session hook has checked the agent before this runs (one read of the session,
// done by then): the open stream holds no database connection. The response is written on the raw
// socket (hijacked), so nothing of Fastify's buffers, serialises or compresses it.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sessionToken } from '../agents/current.js';
import type { AgentSessions } from '../agents/sessions.js';
import { ServiceUnavailable, TooManyRequests } from '../errors.js';
import { ErrorSchema } from '../http/schemas.js';
import type { ChangeBus } from './bus.js';
import { LiveStream, StreamRegister } from './streams.js';

export interface LiveRoutesOptions {
  bus: ChangeBus;
  sessions: AgentSessions;
  streamsPerAgent: number;
  streamsMax: number;
  heartbeatSeconds: number;
  /** How long a stream waits for the bus to be subscribed before answering 503. */
  readyTimeoutMs?: number;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  // no-transform: a proxy must not compress or rewrite it; X-Accel-Buffering: nginx must not hold it.
  'cache-control': 'no-cache, no-store, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

const DESCRIPTION = [
  "Server-Sent Events of the signed-in agent's organization. Each change is `event: change` with",
  '`data: {organization_id, conversation_id, kind: message|status|reaction|read, message_id?}`: a hint',
  'to read the conversation again through the read API, never the data itself. `event: ready` opens the',
  'stream (read what you show then); `event: resync` asks for the same after a gap. Comments every',
  '~15 s keep it open. 401 without a session; 429 past the open streams allowed per agent or instance.',
].join(' ');

async function readyWithin(bus: ChangeBus, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([bus.ready().then(() => true), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function liveRoutes(app: FastifyInstance, opts: LiveRoutesOptions): Promise<void> {
  const register = new StreamRegister({ perAgent: opts.streamsPerAgent, max: opts.streamsMax });
  // An open stream is never idle: without this, closing the server would wait for every page.
  app.addHook('preClose', (done) => {
    register.endAll();
    done();
  });

  app.get(
    '/inbox/api/stream',
    {
      schema: {
        tags: ['inbox'],
        summary: "Live change hints of the agent's organization (text/event-stream)",
        description: DESCRIPTION,
        produces: ['text/event-stream'],
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          401: ErrorSchema,
          429: ErrorSchema,
          503: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const agent = request.agent;
      const place = register.reserve(agent.agentId);
      if ('reason' in place)
        throw new TooManyRequests(
          place.reason === 'agent'
            ? `This agent already has ${place.limit} live streams open here; close another inbox tab first`
            : `This instance holds its limit of ${place.limit} live streams; retry shortly`,
          { headers: { 'retry-after': '10' } },
        );
      if (!(await readyWithin(opts.bus, opts.readyTimeoutMs ?? 5000))) {
        place.release();
        throw new ServiceUnavailable('Live updates are unavailable for the moment; retry shortly', 5);
      }
      const res = openResponse(request, reply);
      const token = sessionToken(request);
      const timer = setInterval(() => {
        stream.heartbeat();
        void endWhenSignedOut(opts.sessions, token, stream);
      }, opts.heartbeatSeconds * 1000);
      timer.unref();
      let unsubscribe = (): void => undefined;
      const stream = new LiveStream(res, () => {
        unsubscribe();
        clearInterval(timer);
        register.forget(stream);
        place.release();
      });
      register.track(stream);
      unsubscribe = opts.bus.subscribe(agent.organizationId, stream);
      stream.open();
    },
  );
}

/** Our headers (security, request id) on the raw response, then the stream's own. */
function openResponse(request: FastifyRequest, reply: FastifyReply): ServerResponse {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  res.writeHead(200, { ...headers, 'x-request-id': request.id, ...SSE_HEADERS });
  res.socket?.setNoDelay(true);
  return res;
}

/** Sign-out and disabling end access at once: the stream's session is checked at each heartbeat. */
async function endWhenSignedOut(sessions: AgentSessions, token: string | undefined, stream: LiveStream): Promise<void> {
  if (stream.ended) return;
  try {
    const agent = token === undefined ? undefined : await sessions.agentFor(token);
    if (!agent) stream.end();
  } catch {
    // The database away: the stream stays; the next heartbeat checks again.
  }
}
