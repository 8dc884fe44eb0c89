// The property of the catalogue check: every template send the gateway accepts, the simulator (as
// strict as Meta, and sharing no code with the gateway) accepts too. Templates and sends are
// generated; most sends are built to fit their template, some are spoiled. Each template is
// seeded in the simulator and synced into the gateway's catalogue before its send.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/db.js';
import { PHONE_ID, startSimGateway, type SimGateway } from '../helpers/sim.js';
import type { SimTemplateInput } from '../../meta-sim/templates-types.js';

const NAMES = ['first_name', 'order_id', 'day', 'city'] as const;
const word = fc.stringMatching(/^[A-Za-z0-9]( ?[A-Za-z0-9]){0,10}$/);

interface Shape {
  named: boolean;
  header: 'none' | 'text' | 'text_var' | 'location';
  body: string[];
  buttons: ('QUICK_REPLY' | 'URL' | 'URL_VAR' | 'COPY_CODE')[];
}

const shape: fc.Arbitrary<Shape> = fc.record({
  named: fc.boolean(),
  header: fc.constantFrom('none', 'text', 'text_var', 'location'),
  body: fc.uniqueArray(fc.constantFrom(...NAMES), { maxLength: 3 }),
  buttons: fc.array(fc.constantFrom('QUICK_REPLY', 'URL', 'URL_VAR', 'COPY_CODE'), { maxLength: 3 }),
});

let n = 0;

function templateOf(s: Shape): SimTemplateInput {
  const v = (name: string, i: number) => (s.named ? `{{${name}}}` : `{{${i + 1}}}`);
  const components: SimTemplateInput['components'] = [];
  if (s.header === 'text') components.push({ type: 'HEADER', format: 'TEXT', text: 'Your order' });
  if (s.header === 'text_var')
    components.push({
      type: 'HEADER',
      format: 'TEXT',
      text: `Order ${s.named ? '{{ref}}' : '{{1}}'}`,
      example: s.named ? { header_text_named_params: [{ param_name: 'ref', example: '42' }] } : { header_text: ['42'] },
    });
  if (s.header === 'location') components.push({ type: 'HEADER', format: 'LOCATION' });
  components.push({
    type: 'BODY',
    text: `Hello ${s.body.map(v).join(' and ')}!`,
    ...(s.body.length === 0
      ? {}
      : s.named
        ? { example: { body_text_named_params: s.body.map((p) => ({ param_name: p, example: 'x' })) } }
        : { example: { body_text: [s.body.map(() => 'x')] } }),
  });
  if (s.buttons.length > 0)
    components.push({
      type: 'BUTTONS',
      buttons: s.buttons.map((b, i) =>
        b === 'QUICK_REPLY'
          ? { type: 'QUICK_REPLY', text: `Reply ${i}` }
          : b === 'COPY_CODE'
            ? { type: 'COPY_CODE', example: 'SAVE10' }
            : b === 'URL'
              ? { type: 'URL', text: `Open ${i}`, url: 'https://shop.example/page' }
              : {
                  type: 'URL',
                  text: `Open ${i}`,
                  url: 'https://shop.example/t/{{1}}',
                  example: ['https://shop.example/t/1'],
                },
      ),
    });
  return {
    name: `prop_${process.pid}_${++n}`,
    language: 'en_US',
    category: 'UTILITY',
    parameter_format: s.named ? 'NAMED' : 'POSITIONAL',
    components,
  };
}

const bodyValue = fc.oneof(
  { weight: 4, arbitrary: word },
  {
    weight: 1,
    arbitrary: fc.record({
      currency: fc.record({
        fallback_value: word,
        code: fc.constantFrom('USD', 'EUR', 'ZAR'),
        amount_1000: fc.integer({ min: 0, max: 10_000_000 }),
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ date_time: fc.record({ fallback_value: word }) }) },
);

/** A send for the shape, then spoiled by `spoil` (0: as built). */
function sendFor(s: Shape, values: unknown[], spoil: number, templateName: string): Record<string, unknown> {
  const t: Record<string, unknown> = { name: templateName, language: 'en_US' };
  if (s.header === 'text_var') t['header'] = { text: typeof values[0] === 'string' ? values[0] : 'H' };
  if (s.header === 'location') t['header'] = { location: { latitude: -33.9, longitude: 18.4, name: 'Office' } };
  const body = s.body.map((_, i) => values[(i + 1) % values.length]);
  if (s.body.length > 0) t['body'] = s.named ? Object.fromEntries(s.body.map((name, i) => [name, body[i]])) : body;
  const buttons = s.buttons.flatMap((b, index): Record<string, unknown>[] =>
    b === 'URL_VAR'
      ? [{ index, url_suffix: 'abc' }]
      : b === 'COPY_CODE'
        ? [{ index, coupon_code: 'SAVE10' }]
        : b === 'QUICK_REPLY' && index % 2 === 0
          ? [{ index, payload: 'P' }]
          : [],
  );
  if (buttons.length > 0) t['buttons'] = buttons;
  // Spoiled in one of the ways a client gets a template wrong.
  if (spoil === 1) t['body'] = [...body, 'extra'];
  if (spoil === 2) delete t['header'];
  if (spoil === 3) t['buttons'] = [];
  if (spoil === 4 && s.body.length > 0)
    t['body'] = s.named ? body : Object.fromEntries(body.map((v, i) => [`p${i}`, v]));
  if (spoil === 5) t['header'] = { text: 'unexpected' };
  return { phone_number: '+27123456789', message_type: 'template', template: t };
}

describe.each(ENGINES)('template sends the gateway accepts (%s)', (engine) => {
  let gw: SimGateway;
  let waba: string;
  beforeAll(async () => {
    gw = await startSimGateway(engine);
    waba = gw.sim.wabaOf(PHONE_ID);
    await gw.ctx.organizations.update(gw.tenant.slug, { metaWabaId: waba });
  });
  afterAll(async () => gw.close());

  it('are accepted by the simulator too', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        shape,
        fc.array(bodyValue, { minLength: 2, maxLength: 4 }),
        fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 5 }) }),
        async (s, values, spoil) => {
          const template = templateOf(s);
          gw.sim.addTemplate(waba, template);
          await gw.ctx.templates.sync(gw.tenant.organizationId);
          const body = sendFor(s, values, spoil, template.name);
          const calls = gw.sim.counts().messageCalls;
          const res = await gw.send(body);
          if (gw.sim.counts().messageCalls === calls) {
            // Refused before Meta: one of the gateway's own 4xx answers, and never a send built to fit.
            expect(spoil, res.body).not.toBe(0);
            expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
            expect(res.statusCode, res.body).toBeLessThan(500);
            expect(res.json().error).not.toBe('Template refused by Meta');
            return;
          }
          // It reached the simulator: the simulator must have accepted it.
          expect(res.statusCode, `${JSON.stringify(template)}\n${JSON.stringify(body)}\n${res.body}`).toBe(200);
          accepted++;
        },
      ),
      { numRuns: 120 },
    );
    // The generated sends are mostly right: many reach the simulator.
    expect(accepted).toBeGreaterThan(30);
  });
});
