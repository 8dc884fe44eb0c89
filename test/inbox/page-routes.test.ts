// The inbox page's files as the gateway serves them: its own strict CSP, revalidated caching, only
// the files of web/inbox (no path from the URL reaches the disk), and no inline script to allow.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/inbox/page-routes.js';
import { startGateway, type TestGateway } from '../helpers/app.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway('sqlite', { PUBLIC_URL: 'https://inbox.example.com' });
});
afterAll(() => gw.close());

const get = (url: string, headers: Record<string, string> = {}) => gw.app.inject({ method: 'GET', url, headers });

describe('GET /inbox', () => {
  it('serves the page with its own CSP: scripts, styles and requests from the gateway only', async () => {
    const res = await get('/inbox');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Signed media URLs are absolute on PUBLIC_URL.
    expect(csp).toContain("img-src 'self' https://inbox.example.com blob:");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('serves the same page for the set-password link', async () => {
    const [page, link] = await Promise.all([get('/inbox'), get('/inbox/set-password')]);
    expect(link.statusCode).toBe(200);
    expect(link.body).toBe(page.body);
  });

  it('has no inline script or style for the CSP to allow', async () => {
    const html = (await get('/inbox')).body;
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/ src="\/inbox\/assets\/[a-z-]+\.js"/);
    expect(html).not.toMatch(/<style|\sstyle="|\son[a-z]+="/);
  });

  it('revalidates with an ETag: 304 when unchanged', async () => {
    const first = await get('/inbox/assets/app.js');
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-cache');
    const again = await get('/inbox/assets/app.js', { 'if-none-match': String(first.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves every module the page imports', async () => {
    const folder = path.join(packageRoot(), 'web', 'inbox');
    for (const name of fs.readdirSync(folder).filter((n) => n.endsWith('.js'))) {
      const res = await get(`/inbox/assets/${name}`);
      expect(res.statusCode, name).toBe(200);
      for (const [, imported] of res.body.matchAll(/from '\.\/([a-z-]+\.js)'/g))
        expect(fs.existsSync(path.join(folder, imported!)), `${name} imports ${imported}`).toBe(true);
    }
  });

  it('answers 404 in the API’s shape for a name that is not one of its files', async () => {
    for (const url of ['/inbox/assets/nope.js', '/inbox/assets/..%2F..%2Fpackage.json', '/inbox/assets/index.html']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ error: 'Not found', request_id: expect.any(String) });
      // The message names what was asked for, as given.
      const asked = decodeURIComponent(url.slice('/inbox/assets/'.length));
      expect(res.json<{ message: string }>().message).toContain(JSON.stringify(asked).slice(1, -1));
    }
  });

  it('serves its icon, which the page links, so a browser asks for no /favicon.ico', async () => {
    const page = await get('/inbox');
    expect(page.body).toContain('<link rel="icon" href="/inbox/assets/icon.svg"');
    const icon = await get('/inbox/assets/icon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
  });
});

describe('packageRoot', () => {
  it('finds the package from the sources and from the compiled dist/', () => {
    const root = packageRoot();
    expect(fs.existsSync(path.join(root, 'web', 'inbox', 'index.html'))).toBe(true);
    expect(packageRoot(path.join(root, 'dist', 'src', 'inbox'))).toBe(root);
  });
});
