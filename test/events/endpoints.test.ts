// Webhook endpoints: the service on each engine (secrets encrypted at rest and shown once, rotation
// with an overlap, one organization never reaching another's endpoint), and the URL check on its
// own. No test connects to any address checked here, and no public name is looked up: names go to
// a fake resolver, except `localhost`.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import { EndpointNotFound, InvalidField, InvalidRequest, ServiceUnavailable } from '../../src/errors.js';
import { EndpointStore } from '../../src/events/endpoint-store.js';
import {
  checkEndpointUrl,
  EndpointService,
  MAX_ENABLED_ENDPOINTS,
  signingSecrets,
  type Lookup,
} from '../../src/events/endpoints.js';
import { TokenCipher } from '../../src/organizations/token-cipher.js';
import { TEST_SECRET } from '../helpers/constants.js';
import { ENGINES, freshDb, type FreshDb } from '../helpers/db.js';

const PUBLIC_IP = '93.184.215.14';
const SECRET_FORMAT = /^whsec_[A-Za-z0-9+/]{43}=$/;

/** A resolver for made-up names; it records what it was asked. */
function fakeLookup(): Lookup & { asked: string[] } {
  const asked: string[] = [];
  const answers: Record<string, string[]> = {
    'hooks.test': [PUBLIC_IP, '2606:4700::1111'],
    'rebind.test': [PUBLIC_IP, '10.0.0.7'],
    'metadata.test': ['169.254.169.254'],
    'empty.test': [],
  };
  const lookup = async (hostname: string) => {
    asked.push(hostname);
    if (hostname === 'flaky.test') throw Object.assign(new Error('temporary failure'), { code: 'EAI_AGAIN' });
    const a = answers[hostname];
    if (a === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

describe('the endpoint URL check', () => {
  const strict = () => ({ allowPrivateNetworks: false, lookup: fakeLookup() });

  // The address guard applied to the URL's host: every one refused before anything is dialled.
  it.each([
    ['https://127.0.0.1/hook', '127.0.0.1'],
    ['https://127.1.2.3:8443/hook', '127.1.2.3'],
    ['https://10.0.0.1/hook', '10.0.0.1'],
    ['https://172.16.5.4/', '172.16.5.4'],
    ['https://192.168.1.1/hook', '192.168.1.1'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['https://100.64.0.1/', '100.64.0.1'],
    ['https://0.0.0.0/', '0.0.0.0'],
    ['https://2130706433/', '127.0.0.1'], // decimal spelling of loopback, normalised by the URL parser
    ['https://0x7f.1/', '127.0.0.1'],
    ['https://[::1]/hook', '::1'],
    ['https://[fd00:ec2::254]/', 'fd00:ec2::254'],
    ['https://[fe80::1]/', 'fe80::1'],
    ['https://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe'],
    ['https://[64:ff9b::a00:1]/', '64:ff9b::a00:1'],
  ])('refuses %s, a non-public address, without resolving or connecting', async (url, address) => {
    const opts = strict();
    const err = await checkEndpointUrl(url, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidField);
    expect((err as Error).message).toBe(
      `url points at ${address}, a loopback, private, link-local, metadata or otherwise non-public address, which deliveries may not reach`,
    );
    expect(opts.lookup.asked).toEqual([]);
  });

  it.each([
    ['', '', /url must be an https URL/],
    ['not a url', 'not a url', /absolute https URL.*"not a url"/],
    ['/relative/path', '/relative/path', /absolute https URL/],
    ['ftp://93.184.215.14/hook', 'ftp://93.184.215.14/hook', /https URL; got the scheme "ftp"/],
    ['javascript:alert(1)', 'javascript:alert(1)', /https URL; got the scheme "javascript"/],
    [`http://${PUBLIC_IP}/hook`, `http://${PUBLIC_IP}/hook`, /must use https.*EVENTS_ALLOW_PRIVATE_NETWORKS/],
    [
      `https://user:pass@${PUBLIC_IP}/hook`,
      `https://user:pass@${PUBLIC_IP}/hook`,
      /must not contain a user name or password/,
    ],
    [`https://token@${PUBLIC_IP}/hook`, `https://token@${PUBLIC_IP}/hook`, /must not contain a user name or password/],
    [`https://${PUBLIC_IP}/hook#frag`, `https://${PUBLIC_IP}/hook#frag`, /#fragment/],
    [`https://${PUBLIC_IP}:70000/hook`, `https://${PUBLIC_IP}:70000/hook`, /port 70000.*out of range/],
    [`https://${PUBLIC_IP}:0/hook`, `https://${PUBLIC_IP}:0/hook`, /port 0/],
    ['a URL of 2,122 characters', `https://${PUBLIC_IP}/${'a'.repeat(2100)}`, /at most 2048 characters; got 2122/],
    [
      'a URL over 2,048 characters once percent-encoded',
      `https://${PUBLIC_IP}/${'é'.repeat(1000)}`,
      /at most 2048 characters once encoded/,
    ],
  ])('refuses %s', async (_label, url, message) => {
    const opts = strict();
    const err = await checkEndpointUrl(url, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidField);
    expect((err as Error).message).toMatch(message);
    expect(opts.lookup.asked).toEqual([]);
  });

  it('refuses a megabyte of URL on its length, before parsing it', async () => {
    const err = await checkEndpointUrl(`https://${'a'.repeat(1_000_000)}.test/`, strict()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/at most 2048 characters; got 1000014/);
  });

  it('refuses a name resolving to any non-public address, and one that does not resolve', async () => {
    const opts = strict();
    await expect(checkEndpointUrl('https://rebind.test/hook', opts)).rejects.toThrow(
      /host "rebind.test" resolves to 10.0.0.7, a loopback, private/,
    );
    await expect(checkEndpointUrl('https://metadata.test/', opts)).rejects.toThrow(/resolves to 169.254.169.254/);
    await expect(checkEndpointUrl('https://nowhere.test/', opts)).rejects.toThrow(
      /host "nowhere.test" does not resolve to any address/,
    );
    await expect(checkEndpointUrl('https://empty.test/', opts)).rejects.toThrow(/does not resolve/);
    expect(opts.lookup.asked).toEqual(['rebind.test', 'metadata.test', 'nowhere.test', 'empty.test']);
  });

  it('answers 503 (retry), not 400, when the resolver itself fails', async () => {
    const err = await checkEndpointUrl('https://flaky.test/', strict()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailable);
  });

  it('refuses localhost, which resolves to loopback (the system resolver, no network)', async () => {
    await expect(checkEndpointUrl('https://localhost:8443/hook', { allowPrivateNetworks: false })).rejects.toThrow(
      /host "localhost" resolves to (127\.0\.0\.1|::1), a loopback/,
    );
  });

  it('accepts public addresses and names, in the URL parser’s normal form', async () => {
    const opts = strict();
    expect(await checkEndpointUrl(`https://${PUBLIC_IP}`, opts)).toBe(`https://${PUBLIC_IP}/`);
    expect(await checkEndpointUrl('https://[2606:4700::1111]:8443/in?x=1', opts)).toBe(
      'https://[2606:4700::1111]:8443/in?x=1',
    );
    expect(await checkEndpointUrl('https://HOOKS.test/Flow%20IQ', opts)).toBe('https://hooks.test/Flow%20IQ');
    expect(opts.lookup.asked).toEqual(['hooks.test']);
  });

  it('with EVENTS_ALLOW_PRIVATE_NETWORKS accepts plain http and loopback, still refusing the rest', async () => {
    const dev = { allowPrivateNetworks: true, lookup: fakeLookup() };
    expect(await checkEndpointUrl('http://127.0.0.1:4001/events', dev)).toBe('http://127.0.0.1:4001/events');
    expect(await checkEndpointUrl('http://localhost:3000/', dev)).toBe('http://localhost:3000/');
    expect(await checkEndpointUrl('https://10.1.2.3/', dev)).toBe('https://10.1.2.3/');
    await expect(checkEndpointUrl('ftp://127.0.0.1/', dev)).rejects.toThrow(/scheme "ftp"/);
    await expect(checkEndpointUrl('http://u:p@127.0.0.1/', dev)).rejects.toThrow(/user name or password/);
    expect(dev.lookup.asked).toEqual([]);
  });
});

describe.each(ENGINES)('webhook endpoints on %s', (engine) => {
  let fresh: FreshDb;
  let store: EndpointStore;
  let service: EndpointService;
  let lookup: ReturnType<typeof fakeLookup>;
  const cipher = new TokenCipher(TEST_SECRET);

  beforeAll(async () => {
    fresh = await freshDb(engine);
    store = new EndpointStore(fresh.db);
    lookup = fakeLookup();
    service = new EndpointService(store, cipher, { allowPrivateNetworks: false, lookup });
  });
  afterAll(async () => fresh.cleanup());

  async function storedRow(id: string): Promise<Record<string, unknown>> {
    const r = await sql<Record<string, unknown>>`select * from webhook_endpoints where id = ${id}`.execute(
      fresh.db.kysely,
    );
    return r.rows[0]!;
  }

  /** Neither the secret nor its random part appears anywhere in the stored row. */
  async function expectNotInRow(id: string, secret: string): Promise<void> {
    const text = JSON.stringify(await storedRow(id));
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice('whsec_'.length));
    expect(text).not.toContain(Buffer.from(secret.slice('whsec_'.length), 'base64').toString('hex'));
  }

  it('creates an endpoint with a Standard Webhooks secret, shown once and encrypted at rest', async () => {
    const org = newId();
    const created = await service.create(org, {
      url: 'https://hooks.test/flowiq',
      eventTypes: ['message.received', 'message.status', 'message.status'],
      description: '  Order service  ',
    });
    expect(created).toMatchObject({
      url: 'https://hooks.test/flowiq',
      event_types: ['message.status', 'message.received'],
      description: 'Order service',
      enabled: true,
      disabled_reason: null,
      failing_since: null,
      previous_secret_until: null,
    });
    expect(created.secret).toMatch(SECRET_FORMAT);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
    await expectNotInRow(created.id, created.secret);

    const { secret: _secret, ...view } = created;
    expect(await service.get(org, created.id)).toEqual(view);
    expect(JSON.stringify(await service.list(org))).not.toContain(created.secret);
    expect(Object.keys(await service.get(org, created.id))).not.toContain('secret');

    // The dispatcher's view: the row as read, the secret decrypted.
    const row = (await store.find(org, created.id))!;
    expect(signingSecrets(cipher, row)).toEqual([created.secret]);
    expect(service.signingSecrets(row)).toEqual([created.secret]);
    // Bound to its endpoint: the ciphertext copied onto another row does not decrypt.
    expect(() => signingSecrets(cipher, { ...row, id: newId() })).toThrow();
  });

  it('each endpoint gets its own secret; "*" subscribes to all and is the default', async () => {
    const org = newId();
    const a = await service.create(org, { url: `https://${PUBLIC_IP}/a` });
    await new Promise((r) => setTimeout(r, 3)); // oldest first is by time; within a millisecond, by id
    const b = await service.create(org, { url: `https://${PUBLIC_IP}/b`, eventTypes: ['message.status', '*'] });
    expect(a.secret).not.toBe(b.secret);
    expect(a.event_types).toEqual(['*']);
    expect(b.event_types).toEqual(['*']);
    expect((await service.list(org)).map((e) => e.url)).toEqual([`https://${PUBLIC_IP}/a`, `https://${PUBLIC_IP}/b`]);
  });

  it("another organization's endpoint is simply not found, and stays unchanged", async () => {
    const owner = newId();
    const other = newId();
    const e = await service.create(owner, { url: `https://${PUBLIC_IP}/mine` });
    const before = await storedRow(e.id);
    const attempts = [
      () => service.get(other, e.id),
      () => service.update(other, e.id, { url: `https://${PUBLIC_IP}/theirs` }),
      () => service.update(other, e.id, { enabled: false }),
      () => service.disable(other, e.id, 'taken over'),
      () => service.rotateSecret(other, e.id),
    ];
    for (const attempt of attempts) {
      const err = await attempt().catch((x: unknown) => x);
      expect(err).toBeInstanceOf(EndpointNotFound);
      expect((err as Error).message).toBe(`No webhook endpoint exists with id "${e.id}" in this organization`);
    }
    expect(await service.list(other)).toEqual([]);
    expect(await storedRow(e.id)).toEqual(before);
    await expect(service.get(owner, 'not-an-id')).rejects.toBeInstanceOf(EndpointNotFound);
    expect((await service.get(owner, e.id.toUpperCase())).id).toBe(e.id);
  });

  it('updates the URL, event types and description, checking each', async () => {
    const org = newId();
    const e = await service.create(org, { url: `https://${PUBLIC_IP}/v1`, description: 'first' });
    const updated = await service.update(org, e.id, {
      url: 'https://hooks.test/v2',
      eventTypes: ['contact.created'],
      description: '',
    });
    expect(updated).toMatchObject({
      url: 'https://hooks.test/v2',
      event_types: ['contact.created'],
      description: null,
    });
    expect(updated.updated_at >= e.updated_at).toBe(true);
    await expect(service.update(org, e.id, { url: 'https://10.0.0.1/' })).rejects.toThrow(/points at 10.0.0.1/);
    await expect(service.update(org, e.id, { eventTypes: ['message.sent'] })).rejects.toThrow(
      /unknown event type "message.sent"; the types are message.status, .*, or "\*" for all/,
    );
    await expect(service.update(org, e.id, { eventTypes: [] })).rejects.toThrow(/non-empty list/);
    await expect(service.update(org, e.id, { description: 'two\nlines' })).rejects.toThrow(/one line/);
    await expect(service.update(org, e.id, { description: 'd'.repeat(501) })).rejects.toThrow(/500 characters/);
    await expect(service.update(org, e.id, {})).rejects.toBeInstanceOf(InvalidRequest);
    // Nothing of the refused changes was written.
    expect(await service.get(org, e.id)).toEqual(updated);
  });

  it('refuses bad input on create and stores nothing', async () => {
    const org = newId();
    await expect(service.create(org, { url: 'https://192.168.0.10/hook' })).rejects.toBeInstanceOf(InvalidField);
    await expect(service.create(org, { url: 'https://rebind.test/' })).rejects.toBeInstanceOf(InvalidField);
    await expect(service.create(org, { url: `https://${PUBLIC_IP}/`, eventTypes: ['nope'] })).rejects.toThrow(
      /unknown event type "nope"/,
    );
    await expect(
      service.create(org, { url: `https://${PUBLIC_IP}/`, eventTypes: [42 as unknown as string] }),
    ).rejects.toThrow(/unknown event type 42/);
    expect(await service.list(org)).toEqual([]);
  });

  it('disables with a reason, keeps the first reason, and re-enabling clears it and failing_since', async () => {
    const org = newId();
    const e = await service.create(org, { url: `https://${PUBLIC_IP}/d` });
    // As the dispatcher marks an endpoint that fails continuously.
    await store.update(org, e.id, { failing_since: '2026-01-01T00:00:00.000Z' });
    const disabled = await service.disable(org, e.id, 'Receiver being migrated');
    expect(disabled).toMatchObject({ enabled: false, disabled_reason: 'Receiver being migrated' });
    expect((await service.disable(org, e.id, 'again')).disabled_reason).toBe('Receiver being migrated');
    const enabled = await service.update(org, e.id, { enabled: true });
    expect(enabled).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    expect(await service.update(org, e.id, { enabled: false })).toMatchObject({
      enabled: false,
      disabled_reason: 'Disabled on request',
    });
    expect((await service.disable(org, (await service.update(org, e.id, { enabled: true })).id)).disabled_reason).toBe(
      'Disabled on request',
    );
  });

  it(`keeps at most ${MAX_ENABLED_ENDPOINTS} enabled endpoints per organization`, async () => {
    const org = newId();
    const made = [];
    for (let i = 0; i < MAX_ENABLED_ENDPOINTS; i++)
      made.push(await service.create(org, { url: `https://${PUBLIC_IP}/${i}` }));
    await expect(service.create(org, { url: `https://${PUBLIC_IP}/over` })).rejects.toThrow(
      /at most 20 enabled webhook endpoints; disable one first/,
    );
    // Another organization is not affected.
    await service.create(newId(), { url: `https://${PUBLIC_IP}/elsewhere` });
    await service.disable(org, made[0]!.id, 'room');
    const extra = await service.create(org, { url: `https://${PUBLIC_IP}/over` });
    await expect(service.update(org, made[0]!.id, { enabled: true })).rejects.toBeInstanceOf(InvalidRequest);
    await service.disable(org, extra.id, 'room');
    expect((await service.update(org, made[0]!.id, { enabled: true })).enabled).toBe(true);
  });

  it('rotates the secret: both sign during the overlap, then only the new one', async () => {
    const org = newId();
    const e = await service.create(org, { url: `https://${PUBLIC_IP}/r` });
    const t0 = Date.now();
    const rotated = await service.rotateSecret(org, e.id, { overlapSeconds: 3600 });
    expect(rotated.secret).toMatch(SECRET_FORMAT);
    expect(rotated.secret).not.toBe(e.secret);
    expect(rotated.id).toBe(e.id);
    const until = Date.parse(rotated.previous_secret_until!);
    expect(until).toBeGreaterThanOrEqual(t0 + 3600_000);
    expect(until).toBeLessThan(Date.now() + 3600_000 + 1000);
    await expectNotInRow(e.id, e.secret);
    await expectNotInRow(e.id, rotated.secret);

    const row = (await store.find(org, e.id))!;
    expect(signingSecrets(cipher, row, new Date(until - 1000))).toEqual([rotated.secret, e.secret]);
    expect(signingSecrets(cipher, row, new Date(until))).toEqual([rotated.secret]);
    expect((await service.get(org, e.id)).previous_secret_until).toBe(rotated.previous_secret_until);

    // A second rotation keeps only the secret it replaces, never one from further back.
    const again = await service.rotateSecret(org, e.id);
    const row2 = (await store.find(org, e.id))!;
    expect(signingSecrets(cipher, row2)).toEqual([again.secret, rotated.secret]);
    expect(Date.parse(again.previous_secret_until!)).toBeGreaterThanOrEqual(t0 + 86_400_000);

    // Overlap 0: the replaced secret stops signing at once.
    const now = await service.rotateSecret(org, e.id, { overlapSeconds: 0 });
    expect(now.previous_secret_until).toBeNull();
    const row3 = (await store.find(org, e.id))!;
    expect(row3.previous_secret).toBeNull();
    expect(signingSecrets(cipher, row3)).toEqual([now.secret]);

    for (const overlapSeconds of [-1, 1.5, 7 * 86400 + 1])
      await expect(service.rotateSecret(org, e.id, { overlapSeconds })).rejects.toThrow(/overlap must be/);
  });

  it('an expired overlap is not shown as one', async () => {
    const org = newId();
    const e = await service.create(org, { url: `https://${PUBLIC_IP}/x` });
    await service.rotateSecret(org, e.id, { overlapSeconds: 60 });
    await store.update(org, e.id, { previous_secret_until: new Date(Date.now() - 1000).toISOString() });
    expect((await service.get(org, e.id)).previous_secret_until).toBeNull();
  });

  it('moves the stored secrets to a new FLOWIQ_SECRET, and reports what no secret decrypts', async () => {
    const org = newId();
    const e = await service.create(org, { url: `https://${PUBLIC_IP}/k` });
    const rotated = await service.rotateSecret(org, e.id);
    const next = 'n'.repeat(40);
    const during = new EndpointService(store, new TokenCipher(next, TEST_SECRET), { allowPrivateNetworks: false });
    expect(await during.undecryptableSecrets()).toEqual([]);
    expect(await during.reencryptSecrets()).toBeGreaterThanOrEqual(2);
    const after = new EndpointService(store, new TokenCipher(next), { allowPrivateNetworks: false });
    expect(after.signingSecrets((await store.find(org, e.id))!)).toEqual([rotated.secret, e.secret]);
    expect(await after.undecryptableSecrets()).toEqual([]);
    expect(await service.undecryptableSecrets()).toContain(e.id);
  });
});
