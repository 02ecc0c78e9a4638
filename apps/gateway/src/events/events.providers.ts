import type { Provider } from '@nestjs/common';
import { AccountEventTypes } from './account-event-types';
import { ClientEventsRepository } from './client-events.repository';
import { EventPush } from './event-push';
import { OutboxSignal } from './outbox-signal';
import { PresenceChangesConsumer } from './presence-changes.consumer';
import { PresenceRecorder } from './presence-recorder';
import { PresenceSweep } from './presence-sweep';

/** The account's events (issue 14): presence made into events, pushed to sockets, and the feed. */
export const EVENT_PROVIDERS: Provider[] = [
  AccountEventTypes,
  OutboxSignal,
  EventPush,
  PresenceRecorder,
  PresenceChangesConsumer,
  PresenceSweep,
  ClientEventsRepository,
];
