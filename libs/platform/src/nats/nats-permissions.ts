import {
  EVENTS,
  PRESENCE,
  PRESENCE_EVENTS,
  REQUEST_EVENTS,
  REQUEST_FINAL_PREFIX,
  REVOCATIONS,
  SUBJECTS,
  connectionSubject,
} from '@cloudflow/contracts';

/**
 * Who may publish and subscribe to what on the bus, service by service: the one table the
 * nats-server configuration is generated from (`npm start`, the test harness, deploy/k8s).
 * Everything not listed is refused by the server, so a stolen hub password cannot ask `auth`
 * to rotate tokens, read another service's replies, or answer `auth.jwks.get` ahead of auth.
 *
 * Built only from the names in libs/contracts: a new subject that a service uses must be added
 * here too, or the server refuses it (the e2e suites run with these permissions).
 */
export const NATS_SERVICE_USERS = ['auth', 'admin', 'gateway', 'hub'] as const;
export type NatsServiceUser = (typeof NATS_SERVICE_USERS)[number];

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /**
   * May answer requests it received (nats-server `allow_responses`): a responder publishes only
   * to the reply subject of a message delivered to it, never to an inbox it merely guessed.
   */
  respond: boolean;
}

/**
 * Each service's reply subjects live under its own prefix, so a service may subscribe only to
 * its own replies: with the default `_INBOX.>` a hub could read auth's answers to the gateway
 * (webhook secrets, tokens).
 */
export function natsInboxPrefix(service: string): string {
  return `_INBOX_${service}`;
}

const A = SUBJECTS.auth;
const D = SUBJECTS.admin;
const G = SUBJECTS.gateway;

/**
 * Every connection id has three tokens (HubIdentity): `<hub's NATS user>.<incarnation>.<random>`,
 * so `hub.connection.<user>.<incarnation>.<random>.deliver.v1`. Any hub may publish to any of
 * them (it routes a POS's payment to the device's hub); each subscribes only under its own user.
 */
export const CONNECTION_SUBJECTS = connectionSubject('*.*.*');

/**
 * Hubs log in as `hub-1` … `hub-<slots>`, one user (and password) per hub process, so a stolen hub
 * password cannot read the deliveries of another hub's sockets. Two processes on one user (a
 * rolling update) still never share a subscription: the incarnation token differs.
 */
export const NATS_HUB_SLOTS = 8;
export const hubNatsUser = (slot: number) => `hub-${slot}`;
const HUB_USER = /^hub-[1-9][0-9]{0,2}$/;
export const isHubNatsUser = (user: string) => HUB_USER.test(user);

/** The one connection subscription a hub's NATS user may hold. */
export function hubConnectionSubscription(user: string): string {
  return connectionSubject(`${user}.*.*`);
}

/** Every NATS user of the deployment: one per service, and `hub-1` … `hub-<hubSlots>`. */
export function natsUserNames(hubSlots: number = NATS_HUB_SLOTS): string[] {
  return [
    ...NATS_SERVICE_USERS.filter((s) => s !== 'hub'),
    ...Array.from({ length: hubSlots }, (_, k) => hubNatsUser(k + 1)),
  ];
}

/** The service a NATS user belongs to (`hub-3` → hub). */
export function natsUserService(user: string): NatsServiceUser {
  if (isHubNatsUser(user)) return 'hub';
  if ((NATS_SERVICE_USERS as readonly string[]).includes(user) && user !== 'hub')
    return user as NatsServiceUser;
  throw new Error(`not a CloudFlow NATS user: ${user}`);
}

/** The permissions of one NATS user: its service's, a hub's subscription narrowed to its own connections. */
export function natsPermissionsFor(user: string): NatsPermissions {
  const service = natsUserService(user);
  const permissions = NATS_PERMISSIONS[service];
  if (service !== 'hub') return permissions;
  return {
    ...permissions,
    subscribe: permissions.subscribe.map((s) =>
      s === CONNECTION_SUBJECTS ? hubConnectionSubscription(user) : s,
    ),
  };
}

const JS = '$JS.API';
/** Look up, create and reconcile (replicas, limits) one stream. */
const streamAdmin = (stream: string) => [
  `${JS}.STREAM.INFO.${stream}`,
  `${JS}.STREAM.CREATE.${stream}`,
  `${JS}.STREAM.UPDATE.${stream}`,
];
/** Open (creating if missing) and read one key-value bucket: direct get, or message get on older servers. */
const kvRead = (bucket: string) => [
  ...streamAdmin(`KV_${bucket}`),
  `${JS}.DIRECT.GET.KV_${bucket}`,
  `${JS}.DIRECT.GET.KV_${bucket}.>`,
  `${JS}.STREAM.MSG.GET.KV_${bucket}`,
];
/** Put, update (compare-and-set) and delete keys: all are publishes to `$KV.<bucket>.<key>`. */
const kvWrite = (bucket: string) => [`$KV.${bucket}.>`];
const PRESENCE_BUCKETS = [
  PRESENCE.devicesBucket,
  PRESENCE.lastSeenBucket,
  PRESENCE.slotsBucket,
  PRESENCE.hubsBucket,
];
/** requestIds an account used (RequestIdsStore): both the hubs (sync) and the gateways (async) reserve them. */
const REQUEST_IDS = [...kvRead(PRESENCE.requestIdsBucket), ...kvWrite(PRESENCE.requestIdsBucket)];
const { stream: STREAM, durable: DURABLE } = REQUEST_EVENTS;
/** A durable pull consumer shared by every gateway replica (create, read, pull, acknowledge). */
const durableConsumer = (stream: string, durable: string) => [
  `${JS}.CONSUMER.INFO.${stream}.${durable}`,
  `${JS}.CONSUMER.CREATE.${stream}.${durable}`,
  `${JS}.CONSUMER.CREATE.${stream}.${durable}.>`,
  `${JS}.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
  `${JS}.CONSUMER.MSG.NEXT.${stream}.${durable}`,
  `$JS.ACK.${stream}.${durable}.>`,
];
/** The gateways' consumer of the request stream. */
const requestConsumer = durableConsumer(STREAM, DURABLE);
/** Device socket openings and closings (issue 14): hubs publish, the gateways' one consumer records them. */
const presenceChanges = {
  publish: [`${PRESENCE_EVENTS.subject}.>`, ...streamAdmin(PRESENCE_EVENTS.stream)],
  consume: [
    ...streamAdmin(PRESENCE_EVENTS.stream),
    ...durableConsumer(PRESENCE_EVENTS.stream, PRESENCE_EVENTS.durable),
  ],
};
/** An account's announced events, gateway → the hubs holding its subscribed POS sockets. */
const PUSHED_EVENTS = `${PRESENCE_EVENTS.pushPrefix}.>`;
/** The hubs' ordered consumers on the revocation stream (ephemeral, so any consumer name). */
const revocationFollower = [
  ...streamAdmin(REVOCATIONS.stream),
  `${JS}.CONSUMER.CREATE.${REVOCATIONS.stream}`,
  `${JS}.CONSUMER.CREATE.${REVOCATIONS.stream}.>`,
  `${JS}.CONSUMER.INFO.${REVOCATIONS.stream}.>`,
  `${JS}.CONSUMER.DELETE.${REVOCATIONS.stream}.>`,
  `${JS}.CONSUMER.MSG.NEXT.${REVOCATIONS.stream}.>`,
];
/** nats.js asks for the account's JetStream info when it opens a JetStream manager. */
const JS_INFO = `${JS}.INFO`;

/** What @cloudflow/access calls and hears in every service that guards HTTP routes with APP keys. */
const appKeyGuard = {
  calls: [A.appKeyVerify, A.blockedEndpointList, A.usageReport],
  hears: [EVENTS.appKeyChanged, EVENTS.blockedEndpointsChanged, EVENTS.usageReported],
};

const inbox = (service: NatsServiceUser) => `${natsInboxPrefix(service)}.>`;

export const NATS_PERMISSIONS: Record<NatsServiceUser, NatsPermissions> = {
  // Answers every auth.* RPC (queue group `auth`) and announces key, policy and access changes.
  auth: {
    publish: [
      EVENTS.appKeyChanged,
      EVENTS.blockedEndpointsChanged,
      EVENTS.usageReported,
      EVENTS.accessRevoked,
    ],
    subscribe: [...Object.values(A), inbox('auth')],
    respond: true,
  },
  // Answers admin.* lookups; calls auth to manage credentials and keys, the gateway for the request log.
  admin: {
    publish: [
      ...new Set([
        A.userCredentialsSet,
        A.blockedEndpointList,
        A.blockedEndpointCreate,
        A.blockedEndpointDelete,
        A.appKeyList,
        A.appKeyRevoke,
        A.appKeyExpire,
        A.appKeyRenew,
        A.appKeyUpdate,
        A.appKeyCreate,
        A.appKeyReveal,
        A.developerKeys,
        A.developerRegister,
        A.developerLogin,
        A.sessionRevoke,
        A.tokenStatus,
        A.accountCredentialSet,
        A.deviceCredentialSet,
        A.credentialDelete,
        A.webhookSecretCreate,
        A.webhookSecretRotate,
        A.jwksGet,
        A.usageQuery,
        ...appKeyGuard.calls,
        G.requestList,
        // Webhook operations (issue 14): the gateway owns the deliveries.
        G.webhookDeliveryList,
        G.webhookRedeliver,
        G.webhookRedeliverDead,
        G.webhookReceiverGet,
        G.webhookReceiverEnable,
      ]),
      EVENTS.relayDataChanged,
      EVENTS.accessRevoked,
    ],
    subscribe: [...Object.values(D), ...appKeyGuard.hears, inbox('admin')],
    respond: true,
  },
  // Answers the request log; verifies credentials, issues tokens, looks devices up; delivers
  // async requests to the device's hub and pings it; records the request stream (one consumer).
  gateway: {
    publish: [
      A.tokenPassword,
      A.tokenRefresh,
      A.accountVerify,
      A.deviceVerify,
      A.websocketToken,
      A.webhookSecretGet,
      A.jwksGet,
      ...appKeyGuard.calls,
      D.userFindForLogin,
      D.deviceList,
      D.deviceGet,
      // The relay lookup reloads the devices in use in one call per account.
      D.deviceGetMany,
      D.accountGet,
      CONNECTION_SUBJECTS,
      JS_INFO,
      ...streamAdmin(STREAM),
      ...requestConsumer,
      ...presenceChanges.consume,
      PUSHED_EVENTS,
      // Presence is read-only here: the hubs own it.
      ...PRESENCE_BUCKETS.flatMap(kvRead),
      ...REQUEST_IDS,
      // "Final now", for the calls waiting with Prefer: wait on any gateway.
      `${REQUEST_FINAL_PREFIX}.>`,
    ],
    subscribe: [
      ...Object.values(G),
      `${REQUEST_FINAL_PREFIX}.>`,
      ...appKeyGuard.hears,
      EVENTS.accessRevoked,
      EVENTS.relayDataChanged,
      inbox('gateway'),
    ],
    respond: true,
  },
  // Holds sockets: its connection subjects, the other hubs' (routing), presence, the request
  // stream it publishes to, and the lookups it needs. No auth RPC but the public signing keys,
  // the usage report (sync payments, for billing) and the credential check (read-only).
  // The subscription is narrowed per hub user by natsPermissionsFor.
  hub: {
    publish: [
      D.deviceGet,
      D.deviceGetMany,
      D.accountGet,
      // The simulated devices it may host (issue 13).
      D.simulatedDeviceList,
      A.jwksGet,
      A.usageReport,
      // After a NATS reconnect: the credentials of its open sockets, in case a revocation was missed.
      A.credentialCheck,
      CONNECTION_SUBJECTS,
      REQUEST_EVENTS.subject,
      ...presenceChanges.publish,
      JS_INFO,
      ...streamAdmin(STREAM),
      // Revocations kept in a stream, so a lost broadcast still closes the sockets it names.
      ...revocationFollower,
      ...PRESENCE_BUCKETS.flatMap((b) => [...kvRead(b), ...kvWrite(b)]),
      ...REQUEST_IDS,
    ],
    subscribe: [
      CONNECTION_SUBJECTS,
      PUSHED_EVENTS,
      EVENTS.accessRevoked,
      EVENTS.relayDataChanged,
      EVENTS.usageReported,
      inbox('hub'),
    ],
    respond: true,
  },
};
