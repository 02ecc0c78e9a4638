import { WebhookRefused, WebhookTargetVetter, type ResolvedAddress } from './webhook-target.vetter';

/** A resolver that answers from a table and never touches the network. */
function resolver(table: Record<string, ResolvedAddress[]>) {
  const asked: string[] = [];
  const resolve = (host: string) => {
    asked.push(host);
    const answer = table[host];
    return answer
      ? Promise.resolve(answer)
      : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
  };
  return { resolve, asked };
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

describe('webhook target vetter', () => {
  const dns = resolver({
    'hooks.example.com': [v4('93.184.216.34')],
    'metadata.evil.test': [v4('169.254.169.254')],
    'rebind.evil.test': [v4('93.184.216.34'), v4('10.0.0.7')],
    'mapped.evil.test': [v6('::ffff:192.168.0.10')],
    'v6.example.com': [v6('2606:4700:4700::1111')],
    'local.test': [v4('127.0.0.1')],
  });
  const strict = new WebhookTargetVetter(false, dns.resolve);
  const local = new WebhookTargetVetter(true, dns.resolve);

  it('pins a public https target to the address it resolved', async () => {
    const vetted = await strict.vet('https://hooks.example.com/cf?x=1');
    expect(vetted).toMatchObject({ address: '93.184.216.34', family: 4 });
    expect(vetted.url.hostname).toBe('hooks.example.com');
    await expect(strict.vet('https://v6.example.com/')).resolves.toMatchObject({
      address: '2606:4700:4700::1111',
      family: 6,
    });
  });

  it.each([
    ['https://metadata.evil.test/', /169\.254\.169\.254 is link-local/],
    ['https://rebind.evil.test/', /10\.0\.0\.7 is private/],
    ['https://mapped.evil.test/', /::ffff:192\.168\.0\.10 is private/],
    ['https://169.254.169.254/latest/meta-data', /link-local/],
    ['https://[fe80::1]/', /link-local/],
    ['https://[::ffff:10.0.0.1]/', /private/],
    ['https://0.0.0.0/', /unspecified/],
    ['https://local.test/', /127\.0\.0\.1 is loopback/],
    ['http://hooks.example.com/', /must use https/],
    ['ftp://hooks.example.com/', /must use https/],
    ['https://user:pw@hooks.example.com/', /credentials/],
    ['https://nowhere.test/', /could not resolve nowhere\.test: ENOTFOUND/],
    ['not a url', /not a valid absolute URL/],
  ])('refuses %s', async (url, reason) => {
    await expect(strict.vet(url)).rejects.toThrow(WebhookRefused);
    await expect(strict.vet(url)).rejects.toThrow(reason);
  });

  it('allows loopback http only where the deployment does, and still not public http', async () => {
    await expect(local.vet('http://127.0.0.1:9/hook')).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(local.vet('http://local.test:9/hook')).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(local.vet('http://[::1]:9/hook')).resolves.toMatchObject({ address: '::1', family: 6 });
    await expect(local.vet('http://hooks.example.com/')).rejects.toThrow(/http is allowed only on loopback/);
    await expect(local.vet('http://10.0.0.1/')).rejects.toThrow(/private/);
    await expect(strict.vet('http://127.0.0.1:9/hook')).rejects.toThrow(/must use https/);
  });

  it('does not ask DNS for address literals', async () => {
    const before = dns.asked.length;
    await strict.vet('https://93.184.216.34/');
    await expect(strict.vet('https://10.0.0.1/')).rejects.toThrow(WebhookRefused);
    expect(dns.asked.length).toBe(before);
  });
});
