import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from '@cloudflow/access';
import {
  LOGGER,
  NatsConnectionOwner,
  PlatformModule,
  RequestIdsStore,
  RevocationStream,
  splitNatsUrl,
} from '@cloudflow/platform';
import { PresenceModule } from '@cloudflow/presence';
import type { Logger } from 'pino';
import { ConnectionRegistry } from './connections/connection-registry';
import { HubIdentity } from './connections/hub-identity';
import { SlotReservations } from './connections/slot-reservations';
import { HubConfig } from './hub.config';
import { HubMetrics } from './hub.metrics';
import { RelayLookup } from './lookup/relay-lookup';
import { UpgradeDevices } from './lookup/upgrade-devices';
import { ClientFrames } from './routing/client-frames';
import { DeviceFrames } from './routing/device-frames';
import { DeviceOwners } from './routing/device-owners';
import { HubBus } from './routing/hub-bus';
import { InflightWatch } from './routing/inflight-watch';
import { RequestEventsPublisher } from './routing/request-events.publisher';
import { PresenceChangesPublisher } from './presence/presence-changes.publisher';
import { EventSubscriptions } from './presence/event-subscriptions';
import { SimulatedTerminals } from './simulated/simulated-terminals.service';
import { ConnectionLifecycle } from './ws/connection-lifecycle';
import { RevocationFloors } from './ws/revocation-floors';
import { SocketRevalidation } from './ws/socket-revalidation';
import { UpgradeAuth } from './ws/upgrade-auth';
import { WsServer } from './ws/ws-server.service';

@Module({})
export class AppModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'hub', config }),
        // No HTTP guard: APP-key usage is counted and reported for the sync payments it bills.
        AccessModule.forRoot({ guard: false }),
        PresenceModule,
      ],
      providers: [
        { provide: HubConfig, useValue: config },
        {
          provide: HubIdentity,
          useValue: new HubIdentity(
            config.INSTANCE_ID,
            config.NATS_USER ?? splitNatsUrl(config.NATS_URL).user,
          ),
        },
        ConnectionRegistry,
        HubMetrics,
        RelayLookup,
        UpgradeDevices,
        HubBus,
        {
          provide: RequestIdsStore,
          inject: [NatsConnectionOwner],
          useFactory: (nats: NatsConnectionOwner) =>
            new RequestIdsStore(nats, config.REQUEST_RETENTION_HOURS * 3600 * 1000),
        },
        RequestEventsPublisher,
        PresenceChangesPublisher,
        EventSubscriptions,
        DeviceOwners,
        ClientFrames,
        DeviceFrames,
        InflightWatch,
        { provide: RevocationFloors, useValue: new RevocationFloors() },
        {
          provide: RevocationStream,
          inject: [NatsConnectionOwner, LOGGER],
          useFactory: (nats: NatsConnectionOwner, logger: Logger) => new RevocationStream(nats, logger),
        },
        UpgradeAuth,
        SlotReservations,
        ConnectionLifecycle,
        SocketRevalidation,
        WsServer,
        SimulatedTerminals,
      ],
    };
  }
}
