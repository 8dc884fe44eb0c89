// The webhook flags of `flowiq meta-sim` and the `inbound` subcommand, as another process runs them.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliOptions } from '../../meta-sim/cli.js';
import { startMetaSim } from '../../meta-sim/index.js';
import { startReceiver, statusesOf, verifiesRaw, waitForCount, type Receiver } from './webhook-helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcess[] = [];
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const o of open.splice(0)) await o.close();
});

function runCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'meta-sim/cli.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

async function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  let out = '';
  if (stream !== null) for await (const chunk of stream) out += String(chunk);
  return out;
}

async function urlOf(child: ChildProcess): Promise<string> {
  let seen = '';
  for await (const chunk of child.stdout ?? []) {
    seen += String(chunk);
    const m = /(http:\/\/127\.0\.0\.1:\d+)\n/.exec(seen);
    if (m?.[1] !== undefined) return m[1];
  }
  throw new Error(`no URL printed: ${seen}`);
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  open.push(r);
  return r;
}

describe('meta-sim webhook flags', () => {
  it('parses callback pairs, WABA ids, delays, schedule, encoding and URL lifetime', () => {
    const opts = parseCliOptions([
      '--phone',
      '1:t',
      '--callback-url',
      'http://127.0.0.1:9/a',
      '--app-secret',
      's1',
      '--callback-url',
      'http://127.0.0.1:9/b',
      '--app-secret',
      's2',
      '--waba',
      '1:123456789012345',
      '--status-delays',
      '0,-,250',
      '--retry-schedule',
      '10,20',
      '--webhook-encoding',
      'utf8',
      '--media-url-ttl',
      '1000',
    ]);
    expect(opts.apps).toEqual([
      { callbackUrl: 'http://127.0.0.1:9/a', appSecret: 's1' },
      { callbackUrl: 'http://127.0.0.1:9/b', appSecret: 's2' },
    ]);
    expect(opts.phoneInfo).toEqual({ '1': { wabaId: '123456789012345' } });
    expect(opts.webhookConfig).toEqual({
      statusDelays: { sent: 0, delivered: null, read: 250 },
      retryScheduleMs: [10, 20],
      encoding: 'utf8',
      mediaUrlTtlMs: 1000,
    });
  });

  it.each([
    [['--callback-url', 'http://127.0.0.1:9/a']],
    [['--callback-url', 'nope', '--app-secret', 's']],
    [['--waba', '1:abc']],
    [['--status-delays', '1,2']],
    [['--webhook-encoding', 'latin1']],
  ])('refuses %j', (args) => {
    expect(() => parseCliOptions(args)).toThrow();
  });

  it('a CLI-run simulator posts signed statuses to --callback-url with the --status-delays', async () => {
    const r = await receiver();
    const child = runCli([
      '--port',
      '0',
      '--phone',
      '111000111000111:cli-token',
      '--callback-url',
      r.url,
      '--app-secret',
      'cli-secret',
      '--waba',
      '111000111000111:123456789012345',
      '--status-delays',
      '0,10,20',
      // This customer never wrote: with the CLI's default (enforce) the message would fail with 131047.
      '--window',
      'off',
    ]);
    const url = await urlOf(child);
    const send = await fetch(`${url}/v23.0/111000111000111/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer cli-token', 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: '16505551234', type: 'text', text: { body: 'x' } }),
    });
    expect(send.status).toBe(200);
    const got = await waitForCount(r, 3, 'statuses from the CLI simulator');
    expect(got.map((x) => statusesOf(x.json)[0].status).sort()).toEqual(['delivered', 'read', 'sent']);
    expect(got.every((x) => verifiesRaw(x, 'cli-secret'))).toBe(true);
    expect(got[0]!.json.entry[0].id).toBe('123456789012345');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(((await exited) as [number | null])[0]).toBe(0);
  });
});

describe('flowiq meta-sim inbound', () => {
  it('posts a customer message to a running simulator and prints the answer', async () => {
    const r = await receiver();
    const sim = await startMetaSim({
      phones: { '106540352242922': 'token' },
      apps: [{ callbackUrl: r.url, appSecret: 'secret' }],
    });
    open.push(sim);
    const child = runCli(['inbound', '--sim', sim.url, '--from', '27831234567', '--name', 'Zoë', '--text', 'hello']);
    const stdout = collect(child.stdout);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const answer = JSON.parse(await stdout) as { messages: { text: { body: string } }[]; deliveries: string[] };
    expect(answer.messages[0]!.text.body).toBe('hello');
    expect(answer.deliveries).toHaveLength(1);
    const [got] = await waitForCount(r, 1, 'the inbound webhook');
    const value = got!.json.entry[0].changes[0].value;
    expect(value.contacts[0].profile.name).toBe('Zoë');
    expect(value.messages[0].from).toBe('27831234567');
  });

  it('sends a media type, and exits 1 when the simulator refuses, 2 on bad flags', async () => {
    const sim = await startMetaSim({ phones: { '106540352242922': 'token' } });
    open.push(sim);
    const ok = runCli(['inbound', '--sim', sim.url, '--type', 'audio', '--voice']);
    const okOut = collect(ok.stdout);
    expect(((await once(ok, 'exit')) as [number | null])[0]).toBe(0);
    const audio = (JSON.parse(await okOut) as { messages: { audio: { voice: boolean; mime_type: string } }[] })
      .messages[0]!.audio;
    expect(audio).toMatchObject({ voice: true, mime_type: 'audio/ogg; codecs=opus' });
    const refused = runCli(['inbound', '--sim', sim.url, '--type', 'reaction']);
    const refusedErr = collect(refused.stderr);
    expect(((await once(refused, 'exit')) as [number | null])[0]).toBe(1);
    expect(await refusedErr).toContain('400');
    const bad = runCli(['inbound', '--type', 'text']);
    expect(((await once(bad, 'exit')) as [number | null])[0]).toBe(2);
  });
});
