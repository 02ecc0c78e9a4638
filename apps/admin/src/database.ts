import { AccountEntity } from './accounts/account.entity';
import { DeveloperEntity } from './developers/developer.entity';
import { DeviceEntity } from './devices/device.entity';
import { AdminInitial1763900000000 } from './migrations/1763900000000-admin-initial.migration';
import { AdminAccountsDevices1764100000000 } from './migrations/1764100000000-admin-accounts-devices.migration';
import { AdminAccountRequestTimeout1764200000001 } from './migrations/1764200000001-admin-account-request-timeout.migration';
import { AdminTenantConnectionCeiling1764700000000 } from './migrations/1764700000000-admin-tenant-connection-ceiling.migration';
import { AdminDeviceSimulation1764900000000 } from './migrations/1764900000000-admin-device-simulation.migration';
import { AdminAccountWebhookEvents1765000000000 } from './migrations/1765000000000-admin-account-webhook-events.migration';
import { TenantEntity } from './tenants/tenant.entity';
import { UserEntity } from './users/user.entity';

/** Every entity and committed migration of the admin schema. */
export const ADMIN_ENTITIES = [DeveloperEntity, TenantEntity, UserEntity, AccountEntity, DeviceEntity];
export const ADMIN_MIGRATIONS = [
  AdminInitial1763900000000,
  AdminAccountsDevices1764100000000,
  AdminAccountRequestTimeout1764200000001,
  AdminTenantConnectionCeiling1764700000000,
  AdminDeviceSimulation1764900000000,
  AdminAccountWebhookEvents1765000000000,
];
