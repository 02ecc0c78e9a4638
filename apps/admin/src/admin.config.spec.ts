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
    expect(() => loadConfig(AdminConfig, { CLOUDFLOW_OPERATOR_TOKEN: 'secret' })).toThrow(/CLOUDFLOW_OPERATOR_TOKEN/);
  });
});
