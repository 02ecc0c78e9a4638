import { BaseConfig } from '@cloudflow/platform';
import { IsInt, Max, Min } from 'class-validator';

export class HubConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8090;
  /** Liveness: ping every interval; a socket that has not answered the previous ping is dropped. */
  @IsInt() @Min(1000) PING_INTERVAL_MS = 20_000;
  /**
   * A delivery's deadline: the device's hub writes it to the socket only before this much time
   * has passed since the requester sent it (a stalled or paused hub drops it instead).
   */
  @IsInt() @Min(100) DELIVERY_TIMEOUT_MS = 5000;
  /**
   * The requester waits this much longer than the deadline before it says "outcome unknown", so
   * that answer means "written before the deadline, or never" despite clock skew between hubs.
   */
  @IsInt() @Min(0) DELIVERY_MARGIN_MS = 1000;
  /** A websocket request's timeout when the account names none (as the gateway's REQUEST_TIMEOUT_DEFAULT_S). */
  @IsInt() @Min(1) REQUEST_TIMEOUT_DEFAULT_S = 150;
  /** The device's hub frees a device this long after the request timeout if no final answer came. */
  @IsInt() @Min(0) INFLIGHT_GRACE_MS = 10_000;
  /** How long a websocket requestId stays taken (the gateway's request retention, 72 h). */
  @IsInt() @Min(1) REQUEST_RETENTION_HOURS = 72;
  /** How often a requester's hub checks that the device's connection still exists. */
  @IsInt() @Min(100) INFLIGHT_CHECK_MS = 500;
  /**
   * On SIGTERM, how long to let in-flight transactions finish before closing the remaining
   * sockets (1012); long enough for a normal payment. deploy/k8s/hub.yaml's grace period is above it.
   */
  @IsInt() @Min(0) DRAIN_TIMEOUT_MS = 30_000;
  /** Default per-account socket limit when the account names none. */
  @IsInt() @Min(1) DEFAULT_CONNECTION_LIMIT = 100;
  /** How often the hub looks for simulated devices no hub hosts (issue 13); 0 hosts none. */
  @IsInt() @Min(0) SIMULATED_SCAN_MS = 2000;
  /** A socket whose unsent outbound data exceeds this is a slow consumer: closed with 1013 so it cannot hold the hub's memory. */
  @IsInt() @Min(64 * 1024) MAX_OUTBOUND_BUFFER_BYTES = 1024 * 1024;
  /** Frames a socket may have waiting to be handled; one more closes it with 1008. */
  @IsInt() @Min(1) MAX_INBOUND_QUEUE = 64;
  /** How long a request event may take to be accepted by the stream before the hub gives up (a final is then resent by the device). */
  @IsInt() @Min(1000) STREAM_PUBLISH_TIMEOUT_MS = 30_000;
}
