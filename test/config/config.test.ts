import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('defaults to SQLite in data/, port 3000 and Graph v23.0', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.database).toMatchObject({ kind: 'sqlite' });
    expect(c.database.kind === 'sqlite' && c.database.file.endsWith('data/flowiq.db')).toBe(true);
    expect(c.meta.graphUrl).toBe('https://graph.facebook.com');
    expect(c.meta.apiVersion).toBe('v23.0');
    expect(c.rateLimitPerKey).toBe(1000);
  });

  it('picks PostgreSQL, another SQLite file or an in-memory SQLite from DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@localhost/db' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://u@localhost/db',
    });
    expect(loadConfig({ DATABASE_URL: 'postgresql://localhost/db' }).database.kind).toBe('postgres');
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({ kind: 'sqlite', file: ':memory:' });
    const other = loadConfig({ DATABASE_URL: 'sqlite:/tmp/other.db' }).database;
    expect(other).toEqual({ kind: 'sqlite', file: '/tmp/other.db' });
  });

  it('delivers events from the main thread, 128 at once per endpoint, first retrying after 5 s, unless told otherwise', () => {
    expect(loadConfig({}).events).toMatchObject({
      dispatch: 'inline',
      firstRetryMs: 5000,
      perEndpoint: 128,
      concurrency: 512,
    });
    expect(loadConfig({ EVENTS_DISPATCH: 'thread', EVENTS_FIRST_RETRY_MS: '250' }).events).toMatchObject({
      dispatch: 'thread',
      firstRetryMs: 250,
    });
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'sqlite:' }, 'DATABASE_URL'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ META_GRAPH_URL: 'ftp://graph' }, 'META_GRAPH_URL'],
    [{ META_API_VERSION: '23' }, 'META_API_VERSION'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ NODE_ENV: 'production' }, 'FLOWIQ_SECRET'],
    [{ NODE_ENV: 'production', FLOWIQ_SECRET: 'x'.repeat(32) }, 'PUBLIC_URL'],
    [{ FLOWIQ_SECRET: 'short' }, 'FLOWIQ_SECRET'],
    [{ MEDIA_STORAGE: 's3' }, 'S3_BUCKET'],
    [{ RATE_LIMIT_PER_KEY: '-1' }, 'RATE_LIMIT_PER_KEY'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ EVENTS_DISPATCH: 'threads' }, 'EVENTS_DISPATCH'],
    [{ EVENTS_FIRST_RETRY_MS: '5' }, 'EVENTS_FIRST_RETRY_MS'],
  ])('refuses %o naming %s', (env, variable) => {
    try {
      loadConfig(env);
      expect.unreachable('loadConfig accepted bad input');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(variable);
      expect((err as Error).message).toContain(variable);
    }
  });
});
