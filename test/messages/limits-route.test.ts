import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { card, contactsBody, listBody, locationBody, row, sections } from '../messages/bodies.js';
import { LIMITS, type Body } from '../messages/limit-table.js';
import { startSimGateway, type SimGateway } from '../helpers/sim.js';

// Through the real route and the strict simulator: a body at each limit is accepted by Meta too, and a
// body one past it is refused with 400 and never reaches Meta.
const COUNT_LIMITS: [string, Body, Body][] = [
  [
    '3 buttons',
    {
      phone_number: '+27123456789',
      message_type: 'interactive',
      interactive: { type: 'button', body: 'b', buttons: [1, 2, 3].map((i) => ({ id: `b${i}`, title: `B${i}` })) },
    },
    {
      phone_number: '+27123456789',
      message_type: 'interactive',
      interactive: { type: 'button', body: 'b', buttons: [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `B${i}` })) },
    },
  ],
  ['10 rows in total', listBody({ sections: sections(5, 5) }), listBody({ sections: sections(5, 6) })],
  [
    '10 sections',
    listBody({ sections: Array.from({ length: 10 }, (_, i) => ({ title: `S${i}`, rows: [row(`r${i}`)] })) }),
    listBody({ sections: Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: [row(`r${i}`)] })) }),
  ],
  ['latitude 90', locationBody({ latitude: 90, longitude: 180 }), locationBody({ latitude: 90.0001, longitude: 180 })],
  [
    'longitude -180',
    locationBody({ latitude: -90, longitude: -180 }),
    locationBody({ latitude: -90, longitude: -180.0001 }),
  ],
  [
    '257 contact cards',
    contactsBody(Array.from({ length: 257 }, (_, i) => card(i))),
    contactsBody(Array.from({ length: 258 }, (_, i) => card(i))),
  ],
];

describe('limits through the route and the simulator', () => {
  let gw: SimGateway;
  beforeAll(async () => {
    gw = await startSimGateway('sqlite');
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim.reset());

  const textual = LIMITS.filter(([name]) => !/caption|filename/.test(name));

  it.each(textual)(
    '%s: accepted at the limit by us and by Meta, refused one past it before Meta',
    async (_name, build, limit) => {
      const at = await gw.send(build(limit));
      expect(at.statusCode, at.body).toBe(200);
      expect(gw.sim.counts().accepted).toBe(1);
      const past = await gw.send(build(limit + 1));
      expect(past.statusCode).toBe(400);
      expect(gw.sim.counts().messageCalls).toBe(1);
    },
  );

  it.each(LIMITS.filter(([name]) => /caption|filename/.test(name)))(
    '%s: one past the limit is refused before any download or Meta call',
    async (_name, build, limit) => {
      const past = await gw.send(build(limit + 1));
      expect(past.statusCode).toBe(400);
      expect(gw.sim.counts()).toMatchObject({ messageCalls: 0, mediaCalls: 0 });
    },
  );

  it.each(COUNT_LIMITS)('%s: at the limit accepted by Meta, past it refused before Meta', async (_name, at, past) => {
    const ok = await gw.send(at);
    expect(ok.statusCode, ok.body).toBe(200);
    const refused = await gw.send(past);
    expect(refused.statusCode).toBe(400);
    expect(gw.sim.counts()).toMatchObject({ messageCalls: 1, accepted: 1 });
  });
});
