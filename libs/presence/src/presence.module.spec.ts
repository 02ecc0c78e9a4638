import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NatsConnectionOwner } from '@cloudflow/platform';
import { PresenceModule } from './presence.module';
import { PresenceStore } from './presence.store';

describe('PresenceModule', () => {
  it('gives the importing service one PresenceStore on the platform NATS connection', async () => {
    const nats = { onReconnect: jest.fn() };
    @Global()
    @Module({ providers: [{ provide: NatsConnectionOwner, useValue: nats }], exports: [NatsConnectionOwner] })
    class Platform {}
    @Module({ imports: [Platform, PresenceModule] })
    class Service {}

    const app = await NestFactory.createApplicationContext(Service, { logger: false, abortOnError: false });
    try {
      expect(app.get(PresenceStore)).toBeInstanceOf(PresenceStore);
      expect(nats.onReconnect).toHaveBeenCalledTimes(1);
    } finally {
      await app.close();
    }
  });
});
