import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@cloudflow/platform';
import { AppKeyIssuer } from './app-keys/app-key.issuer';
import { AppKeyLifecycleService } from './app-keys/app-key-lifecycle.service';
import { AppKeyRepository } from './app-keys/app-key.repository';
import { AppKeysController } from './app-keys/app-keys.controller';
import { AppKeysService } from './app-keys/app-keys.service';
import { AuthConfig } from './auth.config';
import { BlockedEndpointRepository } from './blocked-endpoints/blocked-endpoint.repository';
import { BlockedEndpointsController } from './blocked-endpoints/blocked-endpoints.controller';
import { BlockedEndpointsService } from './blocked-endpoints/blocked-endpoints.service';
import { CredentialsController } from './credentials/credentials.controller';
import { CredentialsRepository } from './credentials/credentials.repository';
import { CredentialsService } from './credentials/credentials.service';
import { AuthSecrets } from './crypto/auth-secrets.service';
import { AUTH_ENTITIES, AUTH_MIGRATIONS } from './database';
import { argon2Gate } from './crypto/password.crypto';
import { AuthEvents } from './events/auth-events.publisher';
import { GuessCounterRepository } from './guessing/guess-counter.repository';
import { GuessThrottle } from './guessing/guess-throttle.service';
import { RelayCredentialsController } from './relay-credentials/relay-credentials.controller';
import { RelayCredentialsRepository } from './relay-credentials/relay-credentials.repository';
import { RelayCredentialsService } from './relay-credentials/relay-credentials.service';
import { RelayTokensService } from './relay-credentials/relay-tokens.service';
import { WebhookSecretRepository } from './relay-credentials/webhook-secret.repository';
import { WebhookSecretsService } from './relay-credentials/webhook-secrets.service';
import { RefreshTokenRepository } from './tokens/refresh-token.repository';
import { RevokedTokenRepository } from './tokens/revoked-token.repository';
import { SigningKeyRepository } from './tokens/signing-key.repository';
import { SigningKeysService } from './tokens/signing-keys.service';
import { TokenStatusService } from './tokens/token-status.service';
import { TokensController } from './tokens/tokens.controller';
import { TokensService } from './tokens/tokens.service';
import { UsageController } from './usage/usage.controller';
import { UsageRepository } from './usage/usage.repository';
import { UsageService } from './usage/usage.service';

@Module({})
export class AppModule {
  static forRoot(config: AuthConfig): DynamicModule {
    argon2Gate.configure({
      concurrent: config.ARGON2_MAX_CONCURRENT,
      maxQueue: config.ARGON2_MAX_QUEUE,
      maxWaitMs: config.ARGON2_MAX_WAIT_MS,
    });
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'auth',
          config,
          database: { schema: 'auth', entities: AUTH_ENTITIES, migrations: AUTH_MIGRATIONS },
        }),
      ],
      controllers: [
        AppKeysController,
        CredentialsController,
        TokensController,
        BlockedEndpointsController,
        RelayCredentialsController,
        UsageController,
      ],
      providers: [
        { provide: AuthConfig, useValue: config },
        AuthSecrets,
        AuthEvents,
        AppKeyRepository,
        AppKeyIssuer,
        AppKeysService,
        AppKeyLifecycleService,
        CredentialsRepository,
        CredentialsService,
        SigningKeyRepository,
        SigningKeysService,
        RefreshTokenRepository,
        TokensService,
        RevokedTokenRepository,
        TokenStatusService,
        GuessCounterRepository,
        GuessThrottle,
        BlockedEndpointRepository,
        BlockedEndpointsService,
        RelayCredentialsRepository,
        RelayCredentialsService,
        RelayTokensService,
        WebhookSecretRepository,
        WebhookSecretsService,
        UsageRepository,
        UsageService,
      ],
    };
  }
}
