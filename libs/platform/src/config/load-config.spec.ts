import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { BaseConfig } from './base.config';
import { trustProxy } from '../http/start-service';
import { loadConfig } from './load-config';

class DemoConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8080;
  @IsString() @MinLength(32) SECRET: string;
}

describe('loadConfig', () => {
  const secret = 's'.repeat(32);

  it('applies local defaults and parses numbers by the default type', () => {
    const c = loadConfig(DemoConfig, { SECRET: secret, PORT: '9000' });
    expect(c.PORT).toBe(9000);
    expect(c.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(c.SECRET).toBe(secret);
  });

  it('refuses bad and missing values at start, naming each', () => {
    expect(() => loadConfig(DemoConfig, { SECRET: secret, PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig(DemoConfig, {})).toThrow(/SECRET/);
  });

  it('takes TRUST_PROXY as false, a hop count or proxy addresses, never true (anyone could pick their address)', () => {
    expect(loadConfig(DemoConfig, { SECRET: secret }).TRUST_PROXY).toBe('false');
    for (const ok of ['false', '1', '10.0.0.0/8, 192.168.1.1', 'loopback', 'fd00::/8']) {
      expect(loadConfig(DemoConfig, { SECRET: secret, TRUST_PROXY: ok }).TRUST_PROXY).toBe(ok);
    }
    for (const bad of ['true', 'yes', 'anything goes'])
      expect(() => loadConfig(DemoConfig, { SECRET: secret, TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
  });

  it('turns TRUST_PROXY into what Express wants', () => {
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy('10.0.0.0/8, loopback')).toEqual(['10.0.0.0/8', 'loopback']);
  });
});
