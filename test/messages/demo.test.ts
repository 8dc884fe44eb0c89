import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/processes.js';

// The document's "Integration Example", as written; only the host changed (tenant and key are arguments).
let HOST = '';
interface ApiAnswer {
  success: boolean;
  message: string;
  data: { message_id: string };
}

// Types added for TypeScript; the statements are the document's.
async function sendWhatsAppMessage(tenantId: string, apiKey: string, messageData: unknown): Promise<ApiAnswer> {
  try {
    const response = await fetch(`${HOST}/send-whatsapp?tenantId=${tenantId}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${apiKey}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(messageData),
    });
    const data = (await response.json()) as ApiAnswer;
    if (!response.ok) {
      if (response.status === 404) {
        console.error('Contact not found:', data.message);
      } else if (response.status === 400) {
        console.error('Invalid request:', data.message);
      }
      throw new Error(data.message);
    }
    return data;
  } catch (error) {
    console.error('Failed to send message:', error);
    throw error;
  }
}

/** A command the demo prints, as the arguments of bin/flowiq.js (npx flowiq → bin/flowiq.js). */
function printedArgs(command: string): string[] {
  return command
    .replace(/^npx flowiq /, '')
    .match(/"[^"]*"|\S+/g)!
    .map((a) => a.replace(/^"|"$/g, ''));
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free port whose next one is free too: the demo's events endpoint is on the gateway's port + 1. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 65535 && (await portIsFree(port + 1))) return port;
  }
}

interface Envelope {
  id: string;
  type: string;
  timestamp: string;
  organization_id: string;
  data: Record<string, unknown>;
}

describe('npm run demo', () => {
  let child: ChildProcess;
  let listener: ChildProcess;
  let info: {
    url: string;
    tenantId: string;
    apiKey: string;
    dataDir: string;
    replyCommand: string;
    listenCommand: string;
    eventsEndpoint: string;
    inbox: { url: string; organization: string; email: string; password: string };
  };
  // What the listener printed: with --json, one verified event body per line.
  const events: Envelope[] = [];
  let listenerErr = '';

  beforeAll(async () => {
    const port = await freePortPair();
    child = spawn(process.execPath, ['bin/flowiq.js', 'demo', '--port', String(port), '--json'], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    info = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        for (const line of out.split('\n')) {
          if (line.includes('"apiKey"')) resolve(JSON.parse(line));
        }
      });
      child.once('exit', (code) => reject(new Error(`demo exited ${code}: ${out}`)));
    });
    HOST = info.url;

    // The printed listener, started before anything is sent, as the demo says: it sees every event.
    expect(info.listenCommand).toMatch(
      new RegExp(`^npx flowiq events listen --port ${port + 1} --secret whsec_[A-Za-z0-9+/]{43}=$`),
    );
    expect(info.eventsEndpoint).toBe(`http://127.0.0.1:${port + 1}/events`);
    listener = spawn(process.execPath, ['bin/flowiq.js', ...printedArgs(info.listenCommand), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    listener.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as Envelope);
    });
    await new Promise<void>((resolve, reject) => {
      listener.stderr!.on('data', (d: Buffer) => {
        listenerErr += d.toString();
        if (listenerErr.includes('Listening for events on')) resolve();
      });
      listener.once('exit', (code) => reject(new Error(`listener exited ${code}: ${listenerErr}`)));
    });
  });

  afterAll(async () => {
    const stopped = new Promise((r) => listener.once('exit', r));
    listener.kill('SIGTERM');
    await stopped;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    // The demo's own temporary directory (a secret and a database) goes with it.
    expect(fs.existsSync(info.dataDir)).toBe(false);
  });

  it('exits with a clear message on a busy port instead of hanging', async () => {
    const port = new URL(info.url).port;
    const busy = spawn(process.execPath, ['bin/flowiq.js', 'demo', '--port', port], {
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    busy.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => busy.kill('SIGKILL'), 20_000);
    const code = await new Promise((r) => busy.once('exit', r));
    clearTimeout(timer);
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`port ${port} is already in use.*--port`));
  });

  it("runs the document's integration example unchanged: text, buttons and a document", async () => {
    const textResult = await sendWhatsAppMessage(info.tenantId, info.apiKey, {
      phone_number: '+27123456789',
      message_type: 'text',
      text: 'Hello from the FlowIQ API!',
    });
    const buttonResult = await sendWhatsAppMessage(info.tenantId, info.apiKey, {
      phone_number: '+27123456789',
      message_type: 'interactive',
      interactive: {
        type: 'button',
        body: 'How would you like to proceed?',
        buttons: [
          { id: 'yes', title: 'Yes, continue' },
          { id: 'no', title: 'No, cancel' },
        ],
      },
    });
    const docResult = await sendWhatsAppMessage(info.tenantId, info.apiKey, {
      phone_number: '+27123456789',
      message_type: 'document',
      media_url: 'https://example.com/report.pdf',
      filename: 'Monthly_Report.pdf',
      caption: 'Please review the attached report',
    });
    for (const [result, type] of [
      [textResult, 'text'],
      [buttonResult, 'interactive'],
      [docResult, 'document'],
    ] as const) {
      expect(result).toMatchObject({
        success: true,
        message: 'Message sent successfully',
        data: { recipient: '27123456789', message_type: type, organization: 'FlowIQ Demo' },
      });
      expect(result.data.message_id).toMatch(/^wamid\./);
    }
  });

  it('shows statuses moving to read, and the customer’s reply arriving by the printed command', async () => {
    const sent = await sendWhatsAppMessage(info.tenantId, info.apiKey, {
      phone_number: '+27123456789',
      message_type: 'text',
      text: 'Did it arrive?',
    });
    // Read the demo's own database, as `flowiq` would with the printed DATA_DIR.
    const db = new Database(path.join(info.dataDir, 'flowiq.db'), { readonly: true, fileMustExist: true });
    const status = () =>
      (
        db.prepare('select status from helpdesk_messages where whatsapp_message_id = ?').get(sent.data.message_id) as {
          status: string;
        }
      ).status;
    try {
      const deadline = Date.now() + 15_000;
      while (status() !== 'read' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(status()).toBe('read');
      // The printed command, run as a user would (npx flowiq → bin/flowiq.js).
      const reply = spawnSync(process.execPath, ['bin/flowiq.js', ...printedArgs(info.replyCommand)], {
        encoding: 'utf8',
      });
      expect(reply.status).toBe(0);
      const inbound = () =>
        db
          .prepare(
            "select count(*) as n from helpdesk_messages where direction = 'inbound' and content like '%Thanks, got it!%'",
          )
          .get() as {
          n: number;
        };
      const until = Date.now() + 15_000;
      while (inbound().n === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(inbound().n).toBe(1);

      // The listener saw the reply arrive, signed with the endpoint's secret (it answers 401 and
      // prints nothing otherwise), and the message's statuses, in their order.
      const received = () =>
        events.find(
          (e) =>
            e.type === 'message.received' &&
            (e.data['content'] as { body?: string } | undefined)?.body === 'Thanks, got it!',
        );
      const seen = Date.now() + 15_000;
      while (received() === undefined && Date.now() < seen) await new Promise((r) => setTimeout(r, 100));
      expect(received(), listenerErr).toMatchObject({
        type: 'message.received',
        data: { from: '27123456789', type: 'text', content: { type: 'text', body: 'Thanks, got it!' } },
      });
      const statuses = events
        .filter((e) => e.type === 'message.status' && e.data['whatsapp_message_id'] === sent.data.message_id)
        .map((e) => e.data['status']);
      expect(statuses).toEqual(['sent', 'delivered', 'read']);
    } finally {
      db.close();
    }
  });

  it('prints the inbox and its agent, who signs in and answers the demo customer', async () => {
    expect(info.inbox.url).toBe(`${info.url}/inbox`);
    expect((await fetch(info.inbox.url)).status).toBe(200);
    const { url: _url, ...credentials } = info.inbox;
    const signIn = await fetch(`${info.url}/inbox/api/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
    expect(signIn.status).toBe(200);
    const { csrf_token: csrf } = (await signIn.json()) as { csrf_token: string };
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const list = (await (await fetch(`${info.url}/inbox/api/conversations`, { headers: { cookie } })).json()) as {
      data: { id: string; contact: { whatsapp_number: string } }[];
    };
    const thread = list.data.find((c) => c.contact.whatsapp_number === '27123456789')!;
    const answer = await fetch(`${info.url}/inbox/api/conversations/${thread.id}/messages`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ message_type: 'text', text: 'Hello from the inbox' }),
    });
    expect(answer.status).toBe(200);
  });

  it('prints the events listener, which refuses a delivery not signed with the endpoint secret', async () => {
    const before = events.length;
    const forged = await fetch(info.eventsEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl',
      },
      body: JSON.stringify({ id: 'forged', type: 'message.received', data: {} }),
    });
    expect(forged.status).toBe(401);
    // Written before the answer, but read through a pipe: give it a moment.
    const until = Date.now() + 5_000;
    while (!listenerErr.includes('msg_forged') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(listenerErr).toMatch(/refused a delivery msg_forged: bad signature/);
    expect(events.slice(before).map((e) => e.id)).not.toContain('forged');
  });

  it("answers the document's 404 for an unknown contact, which the example reports as an error", async () => {
    await expect(
      sendWhatsAppMessage(info.tenantId, info.apiKey, {
        phone_number: '+27000000001',
        message_type: 'text',
        text: 'hi',
      }),
    ).rejects.toThrow(
      'No contact exists with WhatsApp number 27000000001. Please create the contact first using the /api/contact endpoint.',
    );
  });

  it('sends the templates it seeded, as its printed template examples and the README do', async () => {
    const positional = await sendWhatsAppMessage(info.tenantId, info.apiKey, {
      phone_number: '+27123456789',
      message_type: 'template',
      template: { name: 'order_confirmation', language: 'en_US', body: ['Jessica', '42'] },
    });
    expect(positional.success, JSON.stringify(positional)).toBe(true);
    const button = await sendWhatsAppMessage(info.tenantId, info.apiKey, {
      phone_number: '+27123456789',
      message_type: 'template',
      template: {
        name: 'order_shipped',
        language: 'en_US',
        body: ['Jessica', '42'],
        buttons: [{ index: 0, url_suffix: '42' }],
      },
    });
    expect(button.success, JSON.stringify(button)).toBe(true);
    const named = await sendWhatsAppMessage(info.tenantId, info.apiKey, {
      phone_number: '+27123456789',
      message_type: 'template',
      template: {
        name: 'appointment_reminder',
        language: 'en_US',
        body: { first_name: 'Jessica', date: 'Friday at 10:00' },
      },
    });
    expect(named.success, JSON.stringify(named)).toBe(true);
    // A template the account does not have is refused before Meta, in the document's shape.
    await expect(
      sendWhatsAppMessage(info.tenantId, info.apiKey, {
        phone_number: '+27123456789',
        message_type: 'template',
        template: { name: 'no_such_template', language: 'en_US' },
      }),
    ).rejects.toThrow(/No template "no_such_template" exists in en_US/);
  });

  it('serves every curl example it prints: the image, video and audio from the document too', async () => {
    for (const body of [
      {
        phone_number: '+27123456789',
        message_type: 'image',
        media_url: 'https://example.com/image.jpg',
        caption: 'Check out this image!',
      },
      {
        phone_number: '+27123456789',
        message_type: 'video',
        media_url: 'https://example.com/demo.mp4',
        caption: 'Watch our demo video',
      },
      { phone_number: '+27123456789', message_type: 'audio', media_url: 'https://example.com/message.mp3' },
      {
        phone_number: '+27123456789',
        message_type: 'interactive',
        interactive: {
          type: 'button',
          body: 'Check out our new product!',
          header_media: { type: 'image', url: 'https://example.com/product.jpg' },
          buttons: [
            { id: 'buy', title: 'Buy Now' },
            { id: 'info', title: 'More Info' },
          ],
        },
      },
    ]) {
      const result = await sendWhatsAppMessage(info.tenantId, info.apiKey, body);
      expect(result.success).toBe(true);
    }
  });
});
