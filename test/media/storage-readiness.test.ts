import fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/app.js';
import { startS3 } from './helpers.js';

// /readyz covers media storage: a gateway that cannot store media would take sends with media_url
// and fail each one, so an orchestrator should route traffic elsewhere instead.
describe('/readyz checks media storage', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  describe('S3 (s3rver)', () => {
    let s3: Awaited<ReturnType<typeof startS3>>;
    let stopped = false;
    const start = async () => {
      s3 = await startS3();
      stopped = false;
    };
    afterAll(async () => {
      if (!stopped) await s3?.close();
    });

    it('is ready when the bucket exists', async () => {
      await start();
      gw = await startGateway('sqlite', s3.env);
      const res = await gw.app.inject('/readyz');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().checks).toEqual({ database: 'ok', storage: 'ok' });
    });

    it('answers 503 naming storage when the bucket does not exist', async () => {
      gw = await startGateway('sqlite', { ...s3.env, S3_BUCKET: 'no-such-bucket' });
      const res = await gw.app.inject('/readyz');
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.json()).toMatchObject({ checks: { database: 'ok', storage: 'failed' } });
    });

    it('answers 503 naming storage when the S3 server is gone', async () => {
      gw = await startGateway('sqlite', s3.env);
      expect((await gw.app.inject('/readyz')).statusCode).toBe(200);
      await s3.close();
      stopped = true;
      const res = await gw.app.inject('/readyz');
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json()).toMatchObject({ checks: { database: 'ok', storage: 'failed' } });
    });
  });

  describe('filesystem', () => {
    it('is ready when the media directory is usable', async () => {
      gw = await startGateway('sqlite');
      const res = await gw.app.inject('/readyz');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().checks).toEqual({ database: 'ok', storage: 'ok' });
    });

    it('answers 503 naming storage when the media directory is gone', async () => {
      gw = await startGateway('sqlite');
      const dir = gw.config.media.storage.kind === 'fs' ? gw.config.media.storage.dir : '';
      expect(dir).not.toBe('');
      // A file where the directory was: a permission change would not do, the tests may run as root.
      fs.rmSync(dir, { recursive: true, force: true });
      fs.writeFileSync(dir, '');
      const res = await gw.app.inject('/readyz');
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json()).toMatchObject({ checks: { database: 'ok', storage: 'failed' } });
    });
  });
});
