// Child processes for the benchmarks: each server gets its own process (and event loop), as it would
// in production, and autocannon runs in the parent.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node args…` and resolves once its output matches `ready` (at once when null). */
export async function startChild(args: string[], env: NodeJS.ProcessEnv, ready: RegExp | null): Promise<Child> {
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    if (ready === null) return resolve();
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve();
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}:\n${out}`)));
  });
  // BENCH_CHILD_LOG=FILE: what the bench's processes print is kept there (a gateway's warnings).
  if (process.env.BENCH_CHILD_LOG) {
    const file = fs.createWriteStream(process.env.BENCH_CHILD_LOG, { flags: 'a' });
    proc.stdout.pipe(file, { end: false });
    proc.stderr.pipe(file, { end: false });
  } else {
    proc.stdout.resume();
    proc.stderr.resume();
  }
  return {
    proc,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** utime + stime of a process in seconds, from /proc (Linux only; the benches still run elsewhere). */
export function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/**
 * The node flags `npm start` runs the gateway with (package.json): the benches and the binary's
 * test start it the same way. The benches give the forwarder the same flags, so the limit runs on
 * the same V8 settings.
 */
export function startFlags(): string[] {
  const start = (
    JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: { start: string } }
  ).scripts.start.split(/\s+/);
  const script = start.indexOf('bin/flowiq.js');
  if (start[0] !== 'node' || script < 0)
    throw new Error(`npm start is not "node [flags] bin/flowiq.js serve": ${start.join(' ')}`);
  return start.slice(1, script);
}

/** Polls `${url}/healthz` until the spawned gateway answers; throws with its output if it exits or takes 20 s. */
export async function waitHealthy(url: string, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gateway exited: ${output()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
