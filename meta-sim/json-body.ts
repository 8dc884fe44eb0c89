// The JSON parser for Graph routes. It keeps the request's text beside the parsed value: the
// simulator records that one flat string per message rather than the parsed object graph, which
// keeps garbage collection cheap when 100,000 recorded messages are retained (payloads are parsed
// again only when someone reads the records).
import type { FastifyInstance } from 'fastify';

export class JsonBody {
  constructor(
    readonly text: string,
    readonly value: unknown,
  ) {}
}

class BodyReadError extends Error {
  readonly statusCode = 400;
}

export function useJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '')
      return done(new BodyReadError('The body is empty but its content-type is application/json.'), undefined);
    try {
      // Plain JSON.parse is safe here: a "__proto__" key becomes an own property, which the
      // validators refuse as an unknown parameter like any other.
      done(null, new JsonBody(text, JSON.parse(text)));
    } catch (err) {
      done(
        new BodyReadError(`The body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`),
        undefined,
      );
    }
  });
}
