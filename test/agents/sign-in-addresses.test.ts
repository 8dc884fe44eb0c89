// Whose address a failed sign-in counts against: the peer, unless TRUST_PROXY names the proxy in
// front, and an IPv6 client by its /64. On each engine, over HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { addressKey } from '../../src/auth/failure-limit.js';
import { ENGINES } from '../helpers/db.js';
import { seedTenant, startGateway, type TestGateway } from '../helpers/app.js';
import { PASSWORD, inboxClient, linkToken } from './helpers.js';

describe.each(ENGINES)('the per-address sign-in limit on %s', (engine) => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
  });

  async function setup(env: Record<string, string>) {
    gw = await startGateway(engine, { INBOX_SIGNIN_FAILURES_PER_ADDRESS: '3', ...env });
    const tenant = await seedTenant(gw.ctx);
    const created = await gw.ctx.agents.create({ orgSlug: tenant.slug, email: 'ana@example.com' });
    const client = inboxClient(gw.app);
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    /** A sign-in's status, from `remoteAddress` (inject's default 127.0.0.1), with these headers. */
    const signIn = async (email: string, headers: Record<string, string>, remoteAddress?: string) =>
      (
        await client.post(
          '/inbox/api/sign-in',
          { organization: tenant.slug, email, password: PASSWORD },
          headers,
          remoteAddress,
        )
      ).statusCode;
    return { signIn };
  }

  const FAILS = ['a@example.com', 'b@example.com', 'c@example.com'];

  it('with TRUST_PROXY=1, gives each X-Forwarded-For client its own allowance', async () => {
    const { signIn } = await setup({ TRUST_PROXY: '1' });
    for (const email of FAILS) expect(await signIn(email, { 'x-forwarded-for': '198.51.100.1' })).toBe(401);
    expect(await signIn('ana@example.com', { 'x-forwarded-for': '198.51.100.1' })).toBe(429);
    expect(await signIn('ana@example.com', { 'x-forwarded-for': '198.51.100.2' })).toBe(200);
    // The proxy appends the address it saw: what the client wrote before it does not count.
    expect(await signIn('ana@example.com', { 'x-forwarded-for': '198.51.100.2, 198.51.100.1' })).toBe(429);
  });

  it('with TRUST_PROXY naming the proxy, believes it and only it', async () => {
    const { signIn } = await setup({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' });
    for (const email of FAILS) expect(await signIn(email, { 'x-forwarded-for': '198.51.100.1' }, '10.1.2.3')).toBe(401);
    expect(await signIn('ana@example.com', { 'x-forwarded-for': '198.51.100.2' }, '10.1.2.3')).toBe(200);
    // A peer that is not the proxy is the client, whatever it forwards.
    for (const email of FAILS)
      expect(await signIn(email, { 'x-forwarded-for': '198.51.100.3' }, '192.0.2.7')).toBe(401);
    expect(await signIn('ana@example.com', { 'x-forwarded-for': '198.51.100.4' }, '192.0.2.7')).toBe(429);
  });

  it('without TRUST_PROXY, ignores X-Forwarded-For: the peer is the client', async () => {
    const { signIn } = await setup({});
    for (const [i, email] of FAILS.entries())
      expect(await signIn(email, { 'x-forwarded-for': `198.51.100.${i + 1}` })).toBe(401);
    expect(await signIn('ana@example.com', { 'x-forwarded-for': '198.51.100.9' })).toBe(429);
  });

  it('counts two IPv6 addresses of one /64 as one client, and another /64 apart', async () => {
    const { signIn } = await setup({});
    for (const [i, email] of FAILS.entries()) expect(await signIn(email, {}, `2001:db8:1:2::${i + 1}`)).toBe(401);
    expect(await signIn('ana@example.com', {}, '2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe(429);
    expect(await signIn('ana@example.com', {}, '2001:db8:1:3::1')).toBe(200);
  });
});

describe('addressKey', () => {
  it.each([
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:0:0:9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::ffff:c000:207', '192.0.2.7'],
    ['192.0.2.7', '192.0.2.7'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('TRUST_PROXY', () => {
  const parse = (value: string) => loadConfig({ DATA_DIR: '/tmp/flowiq-unused', TRUST_PROXY: value }).trustProxy;
  it.each([
    ['', false],
    ['false', false],
    ['0', false],
    ['2', { hops: 2 }],
    ['127.0.0.1, 10.0.0.0/8,::1,fd00::/8', { addresses: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'] }],
  ])('reads %j', (value, expected) => {
    expect(parse(value)).toEqual(expected);
  });
  it.each(['true', 'proxy.local', '10.0.0.0/33', '10.0.0.1,', '11'])('refuses %j, naming the variable', (value) => {
    expect(() => parse(value)).toThrow(ConfigError);
    expect(() => parse(value)).toThrow(/TRUST_PROXY/);
  });
});
