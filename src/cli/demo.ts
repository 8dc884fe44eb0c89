// `flowiq demo`: the Meta simulator plus the gateway on the embedded default in a fresh data
// directory, with a demo organization, key and contact, and curl commands for every message type.
// The API contract's examples point media at example.com (reserved for documentation, RFC 2606), which
// this machine cannot reach: the demo serves sample files for those URLs from loopback instead.
// The demo organization has a webhook endpoint on loopback (the port after the gateway's), and the
// demo prints the `flowiq events listen` command that receives there, so events are seen arriving.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMetaSim, type SimTemplateInput } from '../../meta-sim/index.js';
import { loadConfig } from '../config.js';
import { serve } from '../server/serve.js';
import { createContext } from '../server/context.js';
import { startSampleMediaServer } from './demo-media.js';
import { emit, parse, UsageError, type Io } from './io.js';

const DEMO_PHONE_ID = '106540352242922';
const DEMO_META_TOKEN = 'EAAG-demo-token-not-a-real-secret';
const DEMO_CONTACT = '+27123456789';
// The demo's Meta app: the simulator signs its webhooks with this secret, as Meta signs with an app's.
const DEMO_APP_ID = '1000000000000001';
const DEMO_APP_SECRET = 'demo-app-secret-not-a-real-secret';
const DEMO_VERIFY_TOKEN = 'demo-verify-token';
// The demo's inbox agent, signed in with a password printed on purpose: the demo is a local toy
// whose data directory is thrown away when it stops. Real agents get a one-time link instead.
const DEMO_AGENT_EMAIL = 'agent@demo.example';
const DEMO_AGENT_PASSWORD = 'demo-inbox-password';

/** The demo's templates: the README's example, one with a URL button, one with named variables. */
const DEMO_TEMPLATES: SimTemplateInput[] = [
  {
    name: 'order_confirmation',
    language: 'en_US',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} is confirmed.' }],
  },
  {
    name: 'order_shipped',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      { type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.' },
      {
        type: 'BUTTONS',
        buttons: [{ type: 'URL', text: 'Track order', url: 'https://shop.example.com/orders/{{1}}' }],
      },
    ],
  },
  {
    name: 'appointment_reminder',
    language: 'en_US',
    category: 'UTILITY',
    parameter_format: 'NAMED',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Reminder' },
      { type: 'BODY', text: 'Hi {{first_name}}, see you on {{date}}.' },
    ],
  },
];

function curlExamples(base: string, tenant: string, key: string): string[] {
  const bodies: Record<string, unknown> = {
    text: { phone_number: DEMO_CONTACT, message_type: 'text', text: 'Hello! This is a test message from FlowIQ API.' },
    image: {
      phone_number: DEMO_CONTACT,
      message_type: 'image',
      media_url: 'https://example.com/image.jpg',
      caption: 'Check out this image!',
    },
    video: {
      phone_number: DEMO_CONTACT,
      message_type: 'video',
      media_url: 'https://example.com/demo.mp4',
      caption: 'Watch our demo video',
    },
    audio: { phone_number: DEMO_CONTACT, message_type: 'audio', media_url: 'https://example.com/message.mp3' },
    document: {
      phone_number: DEMO_CONTACT,
      message_type: 'document',
      media_url: 'https://example.com/invoice.pdf',
      filename: 'Invoice_2025.pdf',
      caption: 'Please find your invoice attached',
    },
    location: {
      phone_number: DEMO_CONTACT,
      message_type: 'location',
      location: {
        latitude: -33.9249,
        longitude: 18.4241,
        name: 'Cape Town Office',
        address: '123 Main Street, Cape Town',
      },
    },
    contacts: {
      phone_number: DEMO_CONTACT,
      message_type: 'contacts',
      contacts: [
        {
          name: { formatted_name: 'John Doe', first_name: 'John', last_name: 'Doe' },
          phones: [{ phone: '+27987654321', type: 'CELL' }],
        },
      ],
    },
    buttons: {
      phone_number: DEMO_CONTACT,
      message_type: 'interactive',
      interactive: {
        type: 'button',
        body: 'Would you like to confirm your order #12345?',
        buttons: [
          { id: 'confirm', title: 'Confirm' },
          { id: 'cancel', title: 'Cancel' },
        ],
      },
    },
    list: {
      phone_number: DEMO_CONTACT,
      message_type: 'interactive',
      interactive: {
        type: 'list',
        body: 'Please select from our available options:',
        button: 'View Menu',
        sections: [{ title: 'Drinks', rows: [{ id: 'cola', title: 'Cola', description: '500ml bottle' }] }],
      },
    },
    template: {
      phone_number: DEMO_CONTACT,
      message_type: 'template',
      template: { name: 'order_confirmation', language: 'en_US', body: ['Jessica', '42'] },
    },
    'template (URL button)': {
      phone_number: DEMO_CONTACT,
      message_type: 'template',
      template: {
        name: 'order_shipped',
        language: 'en_US',
        body: ['Jessica', '42'],
        buttons: [{ index: 0, url_suffix: '42' }],
      },
    },
    'template (named variables)': {
      phone_number: DEMO_CONTACT,
      message_type: 'template',
      template: {
        name: 'appointment_reminder',
        language: 'en_US',
        body: { first_name: 'Jessica', date: 'Friday at 10:00' },
      },
    },
    reaction: {
      phone_number: DEMO_CONTACT,
      message_type: 'reaction',
      reaction: { message_id: 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...', emoji: '❤️' },
    },
  };
  return Object.entries(bodies).map(
    ([name, body]) =>
      `# ${name}\ncurl -X POST "${base}/send-whatsapp?tenantId=${tenant}" \\\n  -H "Authorization: Bearer ${key}" \\\n  -H "Content-Type: application/json" \\\n  -d '${JSON.stringify(body)}'`,
  );
}

/** The API contract's example.com URLs, fetched from the demo's loopback samples instead. */
function sampleUrl(url: string, samplesOrigin: string): string {
  try {
    const u = new URL(url);
    return u.hostname === 'example.com' ? `${samplesOrigin}${u.pathname}` : url;
  } catch {
    return url;
  }
}

export async function demoCommand(argv: string[], io: Io): Promise<number> {
  const p = parse(argv, { port: { type: 'string' }, 'data-dir': { type: 'string' } });
  const port = typeof p.values.port === 'string' ? p.values.port : '3000';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65534)
    throw new UsageError(`--port must be a port number from 1 to 65534 (the next one receives events); got "${port}"`);
  const eventsPort = Number(port) + 1;
  const keep = typeof p.values['data-dir'] === 'string';
  const dataDir = keep ? (p.values['data-dir'] as string) : fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-demo-'));
  // A directory the demo made holds a secret and a database: it goes when the demo stops.
  const cleanUp = () => {
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  // The simulator speaks as Meta does: signed status webhooks for each message it accepts (sent at
  // once, delivered after 0.5 s, read after 1.5 s), and a customer's messages on demand.
  const sim = await startMetaSim({
    phones: { [DEMO_PHONE_ID]: DEMO_META_TOKEN },
    apps: [{ callbackUrl: `http://127.0.0.1:${port}/webhooks/meta/${DEMO_APP_ID}`, appSecret: DEMO_APP_SECRET }],
  });
  // Approved templates on the demo's WhatsApp Business Account: the gateway's catalogue reads them
  // from the simulator when it starts, as it would from Meta.
  for (const template of DEMO_TEMPLATES) sim.addTemplate(sim.webhooks.phoneInfo(DEMO_PHONE_ID).wabaId, template);
  const samples = await startSampleMediaServer();
  const env = {
    ...process.env,
    PORT: port,
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'flowiq.db')}`,
    META_GRAPH_URL: sim.url,
    MEDIA_ALLOW_PRIVATE_NETWORKS: 'true',
    // The demo's endpoint is plain http on loopback: the events listener on this machine.
    EVENTS_ALLOW_PRIVATE_NETWORKS: 'true',
  };
  const config = loadConfig(env);
  const { resolveSecret } = await import('../secret.js');
  const secret = resolveSecret(config.secret, config.dataDir).secret;
  const seedCtx = await createContext(config, secret);
  await seedCtx.apps.create(DEMO_APP_ID, {
    name: 'FlowIQ Demo app',
    appSecret: DEMO_APP_SECRET,
    verifyToken: DEMO_VERIFY_TOKEN,
  });
  const org = await seedCtx.organizations.create('demo', {
    name: 'FlowIQ Demo',
    provider: 'meta',
    metaPhoneId: DEMO_PHONE_ID,
    metaToken: DEMO_META_TOKEN,
    metaApp: DEMO_APP_ID,
    metaWabaId: sim.webhooks.phoneInfo(DEMO_PHONE_ID).wabaId,
  });
  const key = await seedCtx.auth.createKey({ orgSlug: 'demo', label: 'demo' });
  await seedCtx.contacts.create(org.id, { phone_number: DEMO_CONTACT, name: 'Demo Contact' });
  const agent = await seedCtx.agents.create({ orgSlug: 'demo', email: DEMO_AGENT_EMAIL, name: 'Demo Agent' });
  await seedCtx.agents.setPassword(new URL(agent.link).hash.replace(/^#token=/, ''), DEMO_AGENT_PASSWORD);
  const endpoint = await seedCtx.endpoints.create(org.id, {
    url: `http://127.0.0.1:${eventsPort}/events`,
    description: 'flowiq events listen (demo)',
  });
  await seedCtx.close();

  let close: () => Promise<void>;
  try {
    close = await serve(config, { rewriteMediaUrl: (url) => sampleUrl(url, samples.url) });
  } catch (err) {
    await Promise.all([sim.close(), samples.close()]);
    cleanUp();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(
        `port ${port} is already in use; choose another with --port, e.g. flowiq demo --port ${Number(port) + 1}`,
      );
    throw err;
  }
  const base = `http://127.0.0.1:${config.port}`;
  // The customer writes first, as customers do: that opens the 24-hour window in which free-form
  // messages are delivered (outside it only templates are, and the gateway refuses the others).
  await customerWritesFirst(sim, base, key.key);
  const replyCommand = `npx flowiq meta-sim inbound --sim ${sim.url} --from ${DEMO_CONTACT.slice(1)} --text "Thanks, got it!"`;
  // The endpoint's signing secret, printed on purpose: the demo is a local toy whose data directory
  // (and so the secret) is thrown away when it stops. A real endpoint's secret is shown once, by
  // `flowiq endpoint create`, and belongs in the receiver's secret store, not in a command line.
  const listenCommand = `npx flowiq events listen --port ${eventsPort} --secret ${endpoint.secret}`;
  const info = {
    url: base,
    tenantId: 'demo',
    apiKey: key.key,
    contact: DEMO_CONTACT,
    metaSimulator: sim.url,
    metaAppId: DEMO_APP_ID,
    replyCommand,
    eventsEndpoint: endpoint.url,
    listenCommand,
    inbox: { url: `${base}/inbox`, organization: 'demo', email: DEMO_AGENT_EMAIL, password: DEMO_AGENT_PASSWORD },
    dataDir,
  };
  const human = [
    `FlowIQ demo running at ${base} (Meta simulator at ${sim.url}, data in ${dataDir}${keep ? '' : ', removed when the demo stops; --data-dir DIR keeps it'})`,
    // PUBLIC_URL too: links the CLI prints (an agent's set-password link) must name this demo's port.
    `To use the CLI on this demo's data: DATA_DIR=${dataDir} DATABASE_URL=sqlite:${path.join(dataDir, 'flowiq.db')} PUBLIC_URL=${base} npx flowiq org list`,
    `tenantId: demo   API key: ${key.key}   contact: ${DEMO_CONTACT}`,
    `Inbox: ${base}/inbox   sign in with organization demo, email ${DEMO_AGENT_EMAIL}, password ${DEMO_AGENT_PASSWORD}`,
    `Media URLs on example.com are served from ${samples.url} for this demo.`,
    `Webhooks: the simulator posts each message's statuses to ${base}/webhooks/meta/${DEMO_APP_ID} (sent, then delivered after 0.5 s and read after 1.5 s).`,
    `See the events the gateway sends to ${endpoint.url} (start it first; add --json for raw bodies):  ${listenCommand}`,
    `The customer wrote first ("Hi!"), so its 24-hour window is open for free-form messages; templates need none.`,
    `Make the customer reply:  ${replyCommand}`,
    '',
    ...curlExamples(base, 'demo', key.key),
  ].join('\n');
  emit(io, p.json, info, human);
  const stop = () => {
    void close()
      .then(() => Promise.all([sim.close(), samples.close()]))
      .finally(() => {
        cleanUp();
        process.exit(0);
      });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => {});
}

/** The demo customer's first message, through the simulator's webhook; resolves once it is stored. */
async function customerWritesFirst(
  sim: Awaited<ReturnType<typeof startMetaSim>>,
  base: string,
  apiKey: string,
): Promise<void> {
  const res = await sim.webhooks.inbound({ type: 'text', from: DEMO_CONTACT.slice(1), text: { body: 'Hi!' } });
  const wamid = (res.messages[0] as { id: string }).id;
  const url = `${base}/api/messages?tenantId=demo&whatsapp_message_id=${encodeURIComponent(wamid)}`;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const found = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
    await found.arrayBuffer();
    if (found.ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the demo customer's first message was not stored within 15 s");
}
