import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { BaseConfig } from './base.config';
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
});
