import { classifyAddress } from './webhook-address.policy';

describe('webhook address classification (SSRF)', () => {
  it.each([
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
  ])('IPv4 %s is %s', (ip, kind) => expect(classifyAddress(ip)).toBe(kind));

  it.each([
    ['2606:4700:4700::1111', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'linkLocal'],
    ['FE80::abcd', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['ff02::1', 'multicast'],
  ])('IPv6 %s is %s', (ip, kind) => expect(classifyAddress(ip)).toBe(kind));

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:93.184.216.34', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['::192.168.0.1', 'private'],
    // issue 12, item 9: spellings and forms that used to pass as public
    ['::a00:1', 'private'],
    ['::7f00:1', 'loopback'],
    ['::ffff:0:a00:1', 'private'],
    ['::ffff:0:10.0.0.1', 'private'],
    ['0:0:0:0:0:ffff:a00:1', 'private'],
    ['0000:0000:0000:0000:0000:ffff:7f00:0001', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'linkLocal'],
    ['2002:a00:1::1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'linkLocal'],
  ])('an IPv4 address inside IPv6 (%s) is judged as IPv4: %s', (ip, kind) =>
    expect(classifyAddress(ip)).toBe(kind),
  );

  it.each([
    ['2002:5db8:d822::1', 'reserved'], // 6to4 of a public address: a tunnel, not a receiver
    ['::5db8:d822', 'reserved'], // IPv4-compatible of a public address
    ['64:ff9b:1::a00:1', 'private'], // local-use NAT64
    ['64:ff9b:1:abcd::1', 'private'],
    ['2001:0:4136:e378::1', 'reserved'], // Teredo
    ['2001:db8::1', 'reserved'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['0:0:0:0:0:0:0:0', 'unspecified'],
  ])('refuses the tunnel and translation form %s as %s', (ip, kind) =>
    expect(classifyAddress(ip)).toBe(kind),
  );

  it('rejects what is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow(/not an IP address/);
  });
});
