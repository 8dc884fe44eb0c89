// GET /{version}/{media-id} and the download URL it answers (docs/META.md §6). Media customers sent
// (POST /_sim/inbound) and media uploaded to POST /{phone}/media are both looked up; the token must
// be the bearer token of the phone the media belongs to. The URL is valid for mediaUrlTtlMs and is
// fetched with the same token. The simulator streams uploads without keeping them, so an uploaded
// id answers its facts but its download answers 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authError, GraphError, unknownPath } from './errors.js';
import { sendGraphError } from './graph-reply.js';
import { DOWNLOAD_PATH } from './inbound-media.js';
import type { SimState } from './state.js';

export const MEDIA_LOOKUP_ROUTE = '/:version/:mediaId';

const VERSION = /^v\d+\.\d+$/;

type LookupRequest = FastifyRequest<{
  Params: { version: string; mediaId: string };
  Querystring: Record<string, string | undefined>;
}>;

interface Found {
  phoneId: string;
  mimeType: string;
  sha256: string | undefined;
  size: number | undefined;
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space <= 0 || header.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  return header.slice(space + 1).trim();
}

function noSuchMedia(id: string): GraphError {
  return new GraphError({
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message:
      `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, ` +
      'or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
  });
}

function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function find(state: SimState, mediaId: string, token: string): Found | undefined {
  const inbound = state.webhooks.media.get(mediaId);
  if (inbound !== undefined && state.phones.get(inbound.phoneId) === token) {
    return { phoneId: inbound.phoneId, mimeType: inbound.mimeType, sha256: inbound.sha256, size: inbound.size };
  }
  for (const [phoneId, t] of state.phones) {
    if (t !== token) continue;
    const up = state.media.get(phoneId, mediaId);
    if (up !== undefined) return { phoneId, mimeType: up.mime, sha256: up.sha256, size: up.size };
  }
  return undefined;
}

export function mediaLookupRoutes(state: SimState) {
  return async function registerLookup(app: FastifyInstance): Promise<void> {
    app.get(MEDIA_LOOKUP_ROUTE, (request: LookupRequest, reply) => lookup(state, request, reply));
    app.get(DOWNLOAD_PATH, (request: LookupRequest, reply) => download(state, request, reply));
  };
}

function lookup(state: SimState, request: LookupRequest, reply: FastifyReply): FastifyReply {
  const { version, mediaId } = request.params;
  if (!VERSION.test(version) || !/^\d+$/.test(mediaId))
    return sendGraphError(reply, unknownPath(`/${version}/${mediaId}`));
  const token = bearerOf(request) ?? request.query['access_token'];
  if (token === undefined || !state.isKnownToken(token)) return sendGraphError(reply, authError());
  const found = find(state, mediaId, token);
  const askedPhone = request.query['phone_number_id'];
  if (found === undefined || (askedPhone !== undefined && askedPhone !== found.phoneId))
    return sendGraphError(reply, noSuchMedia(mediaId));
  const url = state.webhooks.urls.issue(
    originOf(request),
    mediaId,
    found.phoneId,
    state.webhooks.config().mediaUrlTtlMs,
  );
  const body: Record<string, unknown> = { messaging_product: 'whatsapp', url, mime_type: found.mimeType };
  if (found.sha256 !== undefined) body['sha256'] = found.sha256;
  if (found.size !== undefined) body['file_size'] = found.size;
  body['id'] = mediaId;
  return reply.code(200).header('content-type', 'application/json; charset=UTF-8').send(JSON.stringify(body));
}

/** The download: 401 without the phone's token, 404 once expired or for bytes the simulator does not hold. */
function download(state: SimState, request: LookupRequest, reply: FastifyReply): FastifyReply {
  const grant = state.webhooks.urls.lookup(request.query['hash'] ?? '');
  const token = bearerOf(request);
  if (token === undefined || (grant !== undefined && state.phones.get(grant.phoneId) !== token))
    return sendGraphError(reply, authError());
  if (grant === undefined || grant.mediaId !== request.query['mid'])
    return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('URL signature expired');
  const item = state.webhooks.media.get(grant.mediaId);
  if (item === undefined)
    return reply
      .code(404)
      .header('content-type', 'text/plain; charset=utf-8')
      .send('The simulator does not keep the bytes of uploaded media');
  return reply
    .code(200)
    .header('content-type', item.mimeType)
    .header('content-length', String(item.size))
    .send(item.bytes);
}
