// The limit the gateway is measured against: a route that forwards the same message to the Meta
// simulator through undici and returns its answer. No authentication, validation or storage.
import Fastify from 'fastify';
import { Pool } from 'undici';
import { keepTickShapes } from '../src/tick-shapes.js';

// The gateway's process-wide V8 workaround (src/tick-shapes.ts) applies to the limit too: without
// it either side can fall into slow nextTicks after a full GC, at random, and the ratio with it.
keepTickShapes();

const graph = process.env.META_GRAPH_URL!;
const path = `/v23.0/${process.env.BENCH_PHONE_ID}/messages`;
const pool = new Pool(graph, { connections: 256 });
const app = Fastify({ logger: false });

app.post('/send-whatsapp', async (request, reply) => {
  const body = request.body as { phone_number: string; text: string };
  const res = await pool.request({
    path,
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.BENCH_META_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: `+${body.phone_number.replace(/\D/g, '')}`,
      type: 'text',
      text: { body: body.text },
    }),
  });
  return reply.code(res.statusCode).send(await res.body.json());
});

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.stdout.write(`listening ${process.env.PORT}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
