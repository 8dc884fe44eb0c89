import { describe, expect, it } from 'vitest';
import { isAllowedAddress } from '../../src/lib/address-guard.js';

// The address check alone: no test connects to any of these.
describe('the media download address check', () => {
  it.each([
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '127.0.0.1',
    '127.1.2.3',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a00:1',
    '64:ff9b::7f00:1',
    '2002:a00:1::',
    '2002:7f00:1::1',
    '2001:db8::1',
  ])('refuses %s', (ip) => {
    expect(isAllowedAddress(ip)).toBe(false);
  });

  // Gaps found by review: IPv4-compatible, IPv4-translated, RFC 8215, Teredo, site-local.
  it.each([
    '::127.0.0.1',
    '::a9fe:a9fe',
    '::7f00:1',
    '::ffff:0:7f00:1',
    '::ffff:0:a9fe:a9fe',
    '64:ff9b:1::7f00:1',
    '64:ff9b:1:abcd::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001::1',
    'fec0::1',
    'feff::1',
  ])('refuses %s', (ip) => {
    expect(isAllowedAddress(ip)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '2a00:1450:4001:80b::200e',
    '64:ff9b::808:808',
  ])('allows %s', (ip) => {
    expect(isAllowedAddress(ip)).toBe(true);
  });

  it('refuses what is not an address', () => {
    expect(isAllowedAddress('localhost')).toBe(false);
    expect(isAllowedAddress('')).toBe(false);
  });

  it.each(['http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://127.1/', 'http://0x7f000001/'])(
    'URL parsing turns %s into 127.0.0.1, which is refused',
    (raw) => {
      const host = new URL(raw).hostname;
      expect(host).toBe('127.0.0.1');
      expect(isAllowedAddress(host)).toBe(false);
    },
  );
});
