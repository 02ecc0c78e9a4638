import { AccountsRepository } from '../accounts/accounts.repository';
import type { AccountEntity } from '../accounts/account.entity';
import { AdminConfig } from '../admin.config';
import { DevicesRepository } from '../devices/devices.repository';
import { ConnectionCeilings } from '../tenants/connection-ceilings';
import type { TenantsRepository } from '../tenants/tenants.repository';
import { RelayLookupService } from './relay-lookup.service';

const tenantId = '3f1c2a4e-8b7d-4c6a-9e2f-1a2b3c4d5e6f';

/** `tenantCeiling`: the operator's ceiling for this tenant (null: unset, the deployment's applies). */
function service(
  storedLimit: number,
  ceiling: number,
  tenantCeiling: number | null = null,
): RelayLookupService {
  const account = {
    tenantId,
    accountId: 'acct-1',
    name: 'Till',
    connectionLimit: storedLimit,
    webhookUrl: null,
    requestTimeoutSeconds: 150,
  } as unknown as AccountEntity;
  const accounts = { find: jest.fn(() => Promise.resolve(account)) } as unknown as AccountsRepository;
  const config = Object.assign(new AdminConfig(), { CONNECTION_LIMIT_CEILING: ceiling });
  const tenants = { connectionCeiling: () => Promise.resolve(tenantCeiling) } as unknown as TenantsRepository;
  return new RelayLookupService(accounts, {} as DevicesRepository, new ConnectionCeilings(tenants, config));
}

describe('RelayLookupService.accountGet (what the hubs admit by)', () => {
  it("hands the hubs the account's own limit when it is within the operator's ceiling", async () => {
    await expect(service(50, 100).accountGet({ tenantId, accountId: 'acct-1' })).resolves.toMatchObject({
      connectionLimit: 50,
    });
  });

  it('caps a limit stored above the ceiling (set before the ceiling was lowered) at the ceiling', async () => {
    await expect(service(50_000, 100).accountGet({ tenantId, accountId: 'acct-1' })).resolves.toMatchObject({
      connectionLimit: 100,
    });
  });

  it("uses the operator's ceiling for the tenant instead of the deployment's, lower or higher", async () => {
    await expect(
      service(5_000, 10_000, 40).accountGet({ tenantId, accountId: 'acct-1' }),
    ).resolves.toMatchObject({
      connectionLimit: 40,
    });
    await expect(
      service(50_000, 10_000, 60_000).accountGet({ tenantId, accountId: 'acct-1' }),
    ).resolves.toMatchObject({ connectionLimit: 50_000 });
  });
});
