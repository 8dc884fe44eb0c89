import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { serve } from '../../src/server/serve.js';
import { MediaSigner } from '../../src/media/signing.js';
import { startGateway } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { TEST_SECRET } from '../helpers/constants.js';

const NEW_SECRET = 'a-brand-new-flowiq-secret-of-more-than-32-chars';
const TOKEN = 'EAAG-rotation-token-1234567890';

describe('changing FLOWIQ_SECRET', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowiq-rotate-'));
    Object.assign(process.env, {
      DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`,
      DATA_DIR: dir,
      FLOWIQ_SECRET: TEST_SECRET,
      LOG_LEVEL: 'silent',
      PORT: '0',
    });
    delete process.env.FLOWIQ_SECRET_PREVIOUS;
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = runCli;

  it('refuses to start when the secret cannot decrypt the stored tokens, then rotates with the previous one', async () => {
    expect(
      (
        await run(
          'org',
          'create',
          '--slug',
          'acme',
          '--name',
          'Acme',
          '--provider',
          'meta',
          '--meta-phone-id',
          '1234',
          '--meta-token',
          TOKEN,
        )
      ).code,
    ).toBe(0);

    process.env.FLOWIQ_SECRET = NEW_SECRET;
    await expect(serve(loadConfig())).rejects.toThrow(
      /FLOWIQ_SECRET.*cannot decrypt the stored Meta token of acme.*FLOWIQ_SECRET_PREVIOUS/,
    );

    process.env.FLOWIQ_SECRET_PREVIOUS = TEST_SECRET;
    const started = await serve(loadConfig());
    await started();
    const rotated = await run('secret', 'reencrypt', '--json');
    expect(rotated.code, rotated.err).toBe(0);
    expect(JSON.parse(rotated.out)).toEqual({ reencrypted: 1, metaTokens: 1, appSecrets: 0, endpointSecrets: 0 });
    expect(JSON.parse((await run('secret', 'reencrypt', '--json')).out)).toMatchObject({ reencrypted: 0 });

    delete process.env.FLOWIQ_SECRET_PREVIOUS;
    const again = await serve(loadConfig());
    await again();
  });

  it('refuses a previous secret without a current one, or a short one', () => {
    expect(() => loadConfig({ FLOWIQ_SECRET_PREVIOUS: TEST_SECRET })).toThrow(/FLOWIQ_SECRET_PREVIOUS/);
    expect(() => loadConfig({ FLOWIQ_SECRET: NEW_SECRET, FLOWIQ_SECRET_PREVIOUS: 'short' })).toThrow(/at least 32/);
  });

  it('keeps media URLs signed under the previous secret valid during the rotation only', () => {
    const old = new MediaSigner(TEST_SECRET, 'http://x', 3600);
    const url = new URL(old.url('org/abc'));
    const [exp, sig] = [url.searchParams.get('exp')!, url.searchParams.get('sig')!];
    expect(new MediaSigner(NEW_SECRET, 'http://x', 3600).verify('org/abc', exp, sig)).toBe('bad');
    expect(new MediaSigner(NEW_SECRET, 'http://x', 3600, TEST_SECRET).verify('org/abc', exp, sig)).toBe('ok');
  });
});

describe('the access log', () => {
  it("never holds a signed URL's signature", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const gw = await startGateway('sqlite', { LOG_LEVEL: 'info' }, { logger: { level: 'info', stream } });
    try {
      const url = new URL(gw.ctx.media.signer.url('org/0123abcd'));
      const sig = url.searchParams.get('sig')!;
      const res = await gw.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
      expect([403, 404]).toContain(res.statusCode);
      await new Promise((r) => setImmediate(r));
      const access = lines.filter((l) => l.includes('request completed'));
      expect(access.length).toBeGreaterThan(0);
      expect(access.join('')).toContain('sig=[redacted]');
      expect(lines.join('')).not.toContain(sig);
    } finally {
      await gw.close();
    }
  });
});
