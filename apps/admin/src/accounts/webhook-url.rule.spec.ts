import { webhookUrlProblem } from './webhook-url.rule';

const production = { allowLoopbackHttp: false };
const local = { allowLoopbackHttp: true };

describe('webhook URL rule', () => {
  it.each([
    'https://example.com/webhooks',
    'https://hooks.example.com:8443/cloudflow?tenant=a',
    'https://93.184.216.34/hook',
    'https://[2606:2800:220:1:248:1893:25c8:1946]/hook',
    // Names are not resolved here: that check belongs to delivery time.
    'https://internal.example/hook',
  ])('accepts the public https URL %s everywhere', (url) => {
    expect(webhookUrlProblem(url, production)).toBeUndefined();
    expect(webhookUrlProblem(url, local)).toBeUndefined();
  });

  it.each(['http://example.com/hook', 'http://93.184.216.34/hook'])(
    'refuses plain http %s, even where loopback http is allowed',
    (url) => {
      expect(webhookUrlProblem(url, production)).toBe('must use https');
      expect(webhookUrlProblem(url, local)).toBe('must use https (http is allowed only on a loopback host)');
    },
  );

  it.each([
    'http://127.0.0.1:9000/hook',
    'http://localhost:3000/hook',
    'http://[::1]:8080/hook',
    'https://127.0.0.1/hook',
    'http://api.localhost/hook',
  ])('accepts the loopback URL %s only where the deployment allows it', (url) => {
    expect(webhookUrlProblem(url, local)).toBeUndefined();
    expect(webhookUrlProblem(url, production)).toBe('must not point at a loopback address');
  });

  it.each([
    ['10.0.0.5', 'https://10.0.0.5/hook'],
    ['172.16/12 (low end)', 'https://172.16.0.1/hook'],
    ['172.16/12 (high end)', 'https://172.31.255.254/hook'],
    ['192.168/16', 'https://192.168.1.10/hook'],
    ['link-local', 'https://169.254.10.10/hook'],
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ['0.0.0.0', 'http://0.0.0.0:8080/hook'],
    ['unspecified IPv6', 'https://[::]/hook'],
    ['unique-local IPv6 (fc00::/7)', 'https://[fd12:3456::1]/hook'],
    ['link-local IPv6 (fe80::/10)', 'https://[fe80::1]/hook'],
    ['an IPv4-mapped private address', 'https://[::ffff:10.1.2.3]/hook'],
    ['a private address in hex shorthand', 'https://0xa.0.0.1/hook'],
    ['a private address as one decimal number', 'https://3232235777/hook'],
    ['carrier-grade NAT', 'https://100.64.0.1/hook'],
    ['an IPv4-compatible private address', 'https://[::a00:1]/hook'],
    ['an IPv4-translated private address', 'https://[::ffff:0:a00:1]/hook'],
    ['6to4', 'https://[2002:a00:1::1]/hook'],
    ['local-use NAT64', 'https://[64:ff9b:1::a00:1]/hook'],
    ['NAT64 of the metadata service', 'https://[64:ff9b::a9fe:a9fe]/hook'],
  ])('refuses %s whatever the deployment allows', (_what, url) => {
    for (const policy of [production, local]) {
      expect(webhookUrlProblem(url, policy)).toBe(
        'must not point at a private, link-local or unspecified address',
      );
    }
  });

  it('accepts the edges just outside the private ranges', () => {
    expect(webhookUrlProblem('https://172.15.255.255/hook', production)).toBeUndefined();
    expect(webhookUrlProblem('https://172.32.0.1/hook', production)).toBeUndefined();
    expect(webhookUrlProblem('https://11.0.0.1/hook', production)).toBeUndefined();
  });

  it.each([
    ['not a URL', 'example.com/hook', 'must be an absolute URL such as https://example.com/webhooks'],
    ['another scheme', 'ftp://example.com/hook', 'must use https'],
    ['javascript', 'javascript:alert(1)', 'must use https'],
    ['credentials', 'https://user:secret@example.com/hook', 'must not contain a user name or password'],
    ['too long', `https://example.com/${'a'.repeat(2048)}`, 'must be at most 2048 characters'],
  ])('refuses %s', (_what, url, problem) => {
    expect(webhookUrlProblem(url, local)).toBe(problem);
  });
});
