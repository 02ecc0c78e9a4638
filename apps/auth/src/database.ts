import { AppKeyEntity } from './app-keys/app-key.entity';
import { BlockedEndpointEntity } from './blocked-endpoints/blocked-endpoint.entity';
import { DeveloperCredentialEntity } from './credentials/developer-credential.entity';
import { UserCredentialEntity } from './credentials/user-credential.entity';
import { GuessCounterEntity } from './guessing/guess-counter.entity';
import { AuthSchema1732390000000 } from './migrations/1732390000000-auth-schema.migration';
import { RefreshTokenRole1732600000000 } from './migrations/1732600000000-refresh-token-role.migration';
import { GuessingAndSessions1765000000000 } from './migrations/1765000000000-guessing-and-sessions.migration';
import { WebhookSecretRotation1765100000000 } from './migrations/1765100000000-webhook-secret-rotation.migration';
import { RelayCredentials1732500000000 } from './migrations/1732500000000-relay-credentials.migration';
import { UsageLedger1733000000000 } from './migrations/1733000000000-usage-ledger.migration';
import { AccountCredentialEntity } from './relay-credentials/account-credential.entity';
import { DeviceCredentialEntity } from './relay-credentials/device-credential.entity';
import { WebhookSecretEntity } from './relay-credentials/webhook-secret.entity';
import { RefreshTokenEntity } from './tokens/refresh-token.entity';
import { RevokedTokenEntity } from './tokens/revoked-token.entity';
import { SigningKeyEntity } from './tokens/signing-key.entity';

type Constructor = new () => object;

/** Every entity and committed migration of the auth schema. */
export const AUTH_ENTITIES: Constructor[] = [
  AppKeyEntity,
  DeveloperCredentialEntity,
  UserCredentialEntity,
  SigningKeyEntity,
  RefreshTokenEntity,
  BlockedEndpointEntity,
  AccountCredentialEntity,
  DeviceCredentialEntity,
  WebhookSecretEntity,
  GuessCounterEntity,
  RevokedTokenEntity,
];
export const AUTH_MIGRATIONS: Constructor[] = [
  AuthSchema1732390000000,
  RelayCredentials1732500000000,
  RefreshTokenRole1732600000000,
  UsageLedger1733000000000,
  GuessingAndSessions1765000000000,
  WebhookSecretRotation1765100000000,
];
