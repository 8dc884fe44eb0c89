// The one http(s) URL rule that configuration, the media_url format and the download share.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseMediaUrl } from '../../src/media/download.js';
import { checkHttpUrl } from '../../src/lib/http-url.js';

describe('checkHttpUrl', () => {
  it.each([
    ['https://example.com/a.jpg', 'ok'],
    ['HTTP://EXAMPLE.COM', 'ok'],
    ['http://127.0.0.1:8080/x?y=1', 'ok'],
    ['ftp://example.com/a', 'not-http'],
    ['file:///etc/passwd', 'not-http'],
    ['https://exa mple.com/', 'invalid'],
    ['https://example.com/a b.jpg', 'invalid'],
    ['https://', 'invalid'],
    ['example.com/a.jpg', 'invalid'],
    ['https://example.com:99999/', 'port'],
  ])('%s → %s', (raw, expected) => {
    const check = checkHttpUrl(raw);
    expect(check.ok ? 'ok' : check.problem).toBe(expected);
  });
});

describe('every caller uses it', () => {
  it('configuration names the out-of-range port', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'http://localhost:99999' })).toThrow(/port 99999 is out of range/);
  });

  it('the download refuses a URL with white space, which the URL parser would have encoded', () => {
    expect(() => parseMediaUrl('https://example.com/a b.jpg')).toThrow('media_url is not a valid URL');
    expect(() => parseMediaUrl('ftp://example.com/a')).toThrow('media_url must be an http or https URL');
  });
});
