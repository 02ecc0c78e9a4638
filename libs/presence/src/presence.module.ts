import { Module } from '@nestjs/common';
import { PresenceStore } from './presence.store';

/**
 * Device presence for the two services that route to devices: hubs claim and release devices
 * and count connection slots, gateways read who holds a device and how many slots an account
 * uses. Imported next to PlatformModule (whose NATS connection it uses), by those two only.
 */
@Module({ providers: [PresenceStore], exports: [PresenceStore] })
export class PresenceModule {}
