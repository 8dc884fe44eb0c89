// `flowiq meta-sim` as another process runs it: flags, the one line with the URL, the control API
// over HTTP, and a clean stop on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcess[] = [];

function runCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'meta-sim/cli.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Resolves with the first stdout line that names the simulator's URL. */
async function urlOf(child: ChildProcess): Promise<string> {
  let seen = '';
  const stdout = child.stdout;
  if (stdout === null) throw new Error('no stdout');
  for await (const chunk of stdout) {
    seen += String(chunk);
    const m = /(http:\/\/127\.0\.0\.1:\d+)\n/.exec(seen);
    if (m?.[1] !== undefined) return m[1];
  }
  throw new Error(`the simulator exited without printing its URL: ${seen}`);
}

async function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  let out = '';
  if (stream !== null) for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('meta-sim CLI', () => {
  it('starts with --port 0 and --phone, prints one line with its URL, serves Graph and /_sim, stops on SIGTERM', async () => {
    const child = runCli(['--port', '0', '--phone', '111000111000111:cli-token', '--latency', '0']);
    const url = await urlOf(child);
    const send = await fetch(`${url}/v23.0/111000111000111/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer cli-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        to: '+16505551234',
        type: 'text',
        text: { body: 'from a test' },
      }),
    });
    expect(send.status).toBe(200);
    const phone = await fetch(`${url}/_sim/phones`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_id: '222', token: 'two' }),
    });
    expect(phone.status).toBe(200);
    const counts = await (await fetch(`${url}/_sim/counts`)).json();
    expect(counts).toEqual({ messageCalls: 1, mediaCalls: 0, accepted: 1, refused: 0 });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });

  it('exits with code 2 and a clear message on an unknown flag', async () => {
    const child = runCli(['--bogus']);
    const stderr = collect(child.stderr);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(await stderr).toMatch(/bogus[\s\S]*usage: flowiq meta-sim/);
  });

  it.each([[['--port', 'eighty']], [['--phone', 'no-colon']], [['--throughput', '-1']], [['stray-positional']]])(
    'exits with code 2 for bad flags %j',
    async (args) => {
      const child = runCli(args);
      const stderr = collect(child.stderr);
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(2);
      expect(await stderr).toContain('flowiq meta-sim:');
    },
  );
});
