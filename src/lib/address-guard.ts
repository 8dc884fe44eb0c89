// SSRF guard: which addresses the gateway may connect to on a client's behalf (media downloads,
// event endpoints). Checked on the address actually connected to (see media/download.ts), so a
// hostname that resolves somewhere else later (DNS rebinding) cannot slip through, and on every
// redirect.
import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';

const blocked = new net.BlockList();
const V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const V6: [string, number][] = [
  ['::', 96], // unspecified, loopback and IPv4-compatible (::127.0.0.1, ::a9fe:a9fe)
  ['::ffff:0:0:0', 96], // IPv4-translated (RFC 2765)
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation (RFC 8215)
  ['2001::', 32], // Teredo: tunnels to an IPv4 address of the client's choosing
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['100::', 64], // discard
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local, incl. AWS metadata fd00:ec2::254
  ['fe80::', 10],
  ['ff00::', 8],
];
for (const [a, p] of V4) blocked.addSubnet(a, p, 'ipv4');
// IPv4-mapped addresses (::ffff:0:0/96) are judged by the IPv4 they carry (embeddedV4): a BlockList
// rule for the whole range would also match every plain IPv4 address.
for (const [a, p] of V6) blocked.addSubnet(a, p, 'ipv6');

/** The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), if any. */
function embeddedV4(ip: string): string | undefined {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m) return m[1];
  const words = expandV6(ip);
  if (!words) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) return v4(words[6]!, words[7]!);
  if (words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0))
    return v4(words[6]!, words[7]!); // NAT64
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!); // 6to4
  return undefined;
}

function expandV6(ip: string): number[] | undefined {
  let s = ip.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    s = s.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const words = [...h, ...Array<string>(fill).fill('0'), ...t].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}

export function isAllowedAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 4) return !blocked.check(ip, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedV4(ip);
  if (v4 !== undefined && !isAllowedAddress(v4)) return false;
  return !blocked.check(ip, 'ipv6');
}

/**
 * A `lookup` for outbound connections that refuses a host if any of its addresses is not allowed
 * (a mixed answer is a rebinding attempt), so the check is on what is dialled, on every connection.
 */
export function guardedLookup(allowPrivateNetworks: boolean, refused: (address: string) => Error): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const bad = allowPrivateNetworks ? undefined : addresses.find((a) => !isAllowedAddress(a.address));
      if (bad) return callback(refused(bad.address), '', 0);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      // net asks for every address when it may try several families (autoSelectFamily).
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [first]);
      callback(null, first.address, first.family);
    });
  };
}
