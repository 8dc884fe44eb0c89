// The CLI's template and window flags: --templates FILE.json seeds the catalogue, --window chooses
// the window's mode (enforce unless told otherwise, as strict as Meta from the shell).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliOptions } from '../../meta-sim/cli.js';
import { NO_PARAMS, ORDER_SHIPPED } from './template-fixtures.js';
import { startReceiver, statusesOf, waitFor, type Receiver } from './webhook-helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'meta-sim-templates-'));
const children: ChildProcess[] = [];
const receivers: Receiver[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const r of receivers.splice(0)) await r.close();
});

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('--templates and --window', () => {
  it('reads templates by WABA, or as a list naming waba_id or phone_id, or for the only phone', () => {
    const byWaba = file('by-waba.json', { '123456789012345': [NO_PARAMS] });
    const listed = file('listed.json', [
      { ...ORDER_SHIPPED, waba_id: '222222222222222' },
      { ...NO_PARAMS, name: 'mine' },
    ]);
    const opts = parseCliOptions([
      '--phone',
      '1:t',
      '--waba',
      '1:333333333333333',
      '--templates',
      byWaba,
      '--templates',
      listed,
    ]);
    expect(Object.keys(opts.templates ?? {}).sort()).toEqual(['123456789012345', '222222222222222', '333333333333333']);
    expect(opts.templates?.['333333333333333']?.[0]?.name).toBe('mine');
    expect(opts.window).toBe('enforce');
    expect(parseCliOptions(['--window', 'off']).window).toBe('off');
  });

  it.each([
    [['--window', 'sometimes']],
    [['--templates', join(dir, 'missing.json')]],
    [['--templates', file('bad-json.json', '{')]],
    [['--templates', file('bad-template.json', { '1': [{ ...NO_PARAMS, category: 'PROMO' }] })]],
    [['--phone', '1:a', '--phone', '2:b', '--templates', file('no-owner.json', [NO_PARAMS])]],
  ])('refuses %j', (args) => {
    expect(() => parseCliOptions(args)).toThrow();
  });

  it('a CLI-run simulator lists the seeded templates, fails free-form to a customer who never wrote, delivers the template', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const templates = file('run.json', [NO_PARAMS]);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'meta-sim/cli.ts',
        '--port',
        '0',
        '--phone',
        '111000111000111:cli-token',
        '--waba',
        '111000111000111:123456789012345',
        '--templates',
        templates,
        '--callback-url',
        r.url,
        '--app-secret',
        'cli-secret',
        '--status-delays',
        '0,5,10',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let seen = '';
    let url: string | undefined;
    for await (const chunk of child.stdout ?? []) {
      seen += String(chunk);
      url = /(http:\/\/127\.0\.0\.1:\d+)\n/.exec(seen)?.[1];
      if (url !== undefined) break;
    }
    expect(url, seen).toBeDefined();
    const auth = { authorization: 'Bearer cli-token', 'content-type': 'application/json' };
    const listed = (await (
      await fetch(`${url}/v23.0/123456789012345/message_templates`, { headers: auth })
    ).json()) as { data: { name: string }[] };
    expect(listed.data.map((t) => t.name)).toEqual(['hello_world']);
    const send = async (body: Record<string, unknown>) => {
      const res = await fetch(`${url}/v23.0/111000111000111/messages`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ messaging_product: 'whatsapp', to: '16505551234', ...body }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id;
    };
    const freeForm = await send({ type: 'text', text: { body: 'x' } });
    const template = await send({ type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
    const statusOf = (wamid: string) =>
      r.received
        .flatMap((x) => statusesOf(x.json))
        .filter((s) => s.id === wamid)
        .map((s) => String(s.status));
    await waitFor(() => statusOf(freeForm).includes('failed') && statusOf(template).includes('read'), 'statuses');
    expect(statusOf(freeForm)).toEqual(['failed']);
    expect(statusOf(template).sort()).toEqual(['delivered', 'read', 'sent']);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(((await exited) as [number | null])[0]).toBe(0);
  });
});
