// The fast receiver of `npm run bench:events`, in its own process (started by bench/events.ts), so
// that its CPU is counted apart from the load generator's and its event loop is never held up by
// autocannon: a plain node:http server that answers 204 as soon as a delivery's body has arrived,
// recording for each its webhook-id, its arrival time (epoch ms, the same machine clock as the
// gateway's) and, from the body, the event's timestamp, message and status. Signatures are not
// verified: the point is to cost the receiver as little as possible.
//   POST /events              a delivery
//   GET  /count               how many deliveries so far
//   GET  /records?from=N      the deliveries from the Nth on: [arrival, timestamp, id, message_id, status]
import http from 'node:http';
import { performance } from 'node:perf_hooks';

type Row = [arrival: number, timestamp: number, id: string, messageId: string, status: string];
const rows: Row[] = [];
let malformed = 0;
const now = () => performance.timeOrigin + performance.now();

const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrival = now();
      // Answered before the bookkeeping: the receiver's own work is not in the gateway's latency.
      res.writeHead(204).end();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          id: string;
          timestamp: string;
          data?: { message_id?: string; status?: string };
        };
        const id = typeof req.headers['webhook-id'] === 'string' ? req.headers['webhook-id'] : body.id;
        rows.push([arrival, Date.parse(body.timestamp), id, body.data?.message_id ?? '', body.data?.status ?? '']);
      } catch {
        malformed++;
      }
    });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://receiver');
  if (url.pathname === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: rows.length, malformed }));
    return;
  }
  if (url.pathname === '/records') {
    const from = Number(url.searchParams.get('from') ?? 0);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows.slice(from)));
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  process.stdout.write(`receiver listening on 127.0.0.1:${process.env.PORT}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
