import { loadConfig } from '@cloudflow/platform';
import { AdminConfig } from './admin.config';

describe('AdminConfig', () => {
  it('reads the operator token from the environment', () => {
    const token = 'a-long-enough-operator-token';
    expect(loadConfig(AdminConfig, { CLOUDFLOW_OPERATOR_TOKEN: token }).CLOUDFLOW_OPERATOR_TOKEN).toBe(token);
  });

  it('leaves the operator API closed when the token is unset or empty', () => {
    expect(loadConfig(AdminConfig, {}).CLOUDFLOW_OPERATOR_TOKEN).toBeUndefined();
    expect(loadConfig(AdminConfig, { CLOUDFLOW_OPERATOR_TOKEN: '' }).CLOUDFLOW_OPERATOR_TOKEN).toBe('');
  });

  it('refuses to start with a guessable operator token', () => {
    expect(() => loadConfig(AdminConfig, { CLOUDFLOW_OPERATOR_TOKEN: 'secret' })).toThrow(
      /CLOUDFLOW_OPERATOR_TOKEN/,
    );
  });

  it('allows loopback http webhooks only when the deployment says so', () => {
    expect(loadConfig(AdminConfig, {}).WEBHOOK_ALLOW_LOOPBACK_HTTP).toBe(false);
    expect(loadConfig(AdminConfig, { WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true' }).WEBHOOK_ALLOW_LOOPBACK_HTTP).toBe(
      true,
    );
    expect(() => loadConfig(AdminConfig, { WEBHOOK_ALLOW_LOOPBACK_HTTP: 'yes' })).toThrow(
      /WEBHOOK_ALLOW_LOOPBACK_HTTP/,
    );
  });
});
