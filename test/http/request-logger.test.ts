import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { LOG_REDACT_PATHS } from '../../src/server/app.js';
import { lazyChildLogger } from '../../src/http/request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const parent = pino(
    { level, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } },
    stream,
  ) as unknown as FastifyBaseLogger;
  return { parent, lines, childSpy: vi.spyOn(parent, 'child') };
}

// pino writes to a plain stream asynchronously.
const flush = () => new Promise((r) => setImmediate(r));

describe('request loggers made on first use', () => {
  it('make no pino child for lines below the level, and write nothing', async () => {
    const { parent, lines, childSpy } = capture('warn');
    const log = lazyChildLogger(parent, { reqId: 'r-1' });
    log.info({ a: 1 }, 'not written');
    log.debug('nor this');
    await flush();
    expect(lines).toEqual([]);
    expect(childSpy).not.toHaveBeenCalled();
    expect(log.level).toBe('warn');
  });

  it('write enabled lines through one child bound to the request, redacted as before', async () => {
    const { parent, lines, childSpy } = capture('info');
    const log = lazyChildLogger(parent, { reqId: 'r-2' });
    log.info({ method: 'POST' }, 'first');
    log.error({ headers: { authorization: 'Bearer fiq_secret' } }, 'second');
    log.child({ step: 'x' }).warn('third');
    await flush();
    // Once for the request (the grandchild inherits the spied method from the parent).
    expect(childSpy.mock.calls.filter(([b]) => (b as { reqId?: string }).reqId === 'r-2')).toHaveLength(1);
    expect(lines.map((l) => [l.reqId, l.msg, l.level])).toEqual([
      ['r-2', 'first', 30],
      ['r-2', 'second', 50],
      ['r-2', 'third', 40],
    ]);
    expect(lines[0]!.method).toBe('POST');
    expect(lines[1]!.headers).toEqual({ authorization: '[redacted]' });
    expect(lines[2]!.step).toBe('x');
  });

  it('honour a level set on the request logger and one given by a route', async () => {
    const { parent, lines } = capture('warn');
    const log = lazyChildLogger(parent, { reqId: 'r-3' });
    log.level = 'debug';
    log.debug('now written');
    const routeLog = lazyChildLogger(parent, { reqId: 'r-4' }, { level: 'trace' });
    routeLog.trace('route level');
    await flush();
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([
      ['r-3', 'now written'],
      ['r-4', 'route level'],
    ]);
    expect(parent.level).toBe('warn');
  });
});

describe('request loggers without pino', () => {
  it("hand back the parent's own child when the parent cannot tell its levels (logging off)", () => {
    const silent = {
      level: 'silent',
      child: () => silent,
      info: () => {},
      warn: () => {},
      error: () => {},
      debug: () => {},
      trace: () => {},
      fatal: () => {},
      silent: () => {},
    };
    const log = lazyChildLogger(silent, { reqId: 'r-5' });
    expect(log).toBe(silent);
    expect(() => log.error(new Error('x'), 'still callable')).not.toThrow();
  });
});
