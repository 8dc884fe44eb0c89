// The live settings: defaults, and a bus that cannot work refused at start with the variable named.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { DATA_DIR: '/tmp/flowiq-live-config' };

describe('the live settings', () => {
  it('default to the bus the deployment implies, 8 streams per agent, 2,000 per instance, a 15 s heartbeat', () => {
    expect(loadConfig(base).live).toEqual({ bus: 'auto', streamsPerAgent: 8, streamsMax: 2000, heartbeatSeconds: 15 });
  });

  it('refuses LIVE_BUS=redis without REDIS_URL, and a bus it does not know', () => {
    expect(() => loadConfig({ ...base, LIVE_BUS: 'redis' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, LIVE_BUS: 'redis' })).toThrow(/LIVE_BUS/);
    expect(() => loadConfig({ ...base, LIVE_BUS: 'kafka' })).toThrow(/LIVE_BUS must be one of/);
    expect(loadConfig({ ...base, LIVE_BUS: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' }).live.bus).toBe('redis');
  });

  it('refuses LIVE_BUS=postgres on SQLite, naming the variable', () => {
    expect(() => loadConfig({ ...base, LIVE_BUS: 'postgres' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, LIVE_BUS: 'postgres' })).toThrow(/LIVE_BUS is postgres/);
    expect(loadConfig({ ...base, LIVE_BUS: 'postgres', DATABASE_URL: 'postgres://u@h/db' }).live.bus).toBe('postgres');
  });

  it('refuses caps and heartbeats out of range', () => {
    expect(() => loadConfig({ ...base, LIVE_STREAMS_PER_AGENT: '0' })).toThrow(/LIVE_STREAMS_PER_AGENT/);
    expect(() => loadConfig({ ...base, LIVE_HEARTBEAT: 'soon' })).toThrow(/LIVE_HEARTBEAT/);
  });
});
