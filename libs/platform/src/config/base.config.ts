import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';

/** Settings every service shares. Each app extends this with its own and loads it once. */
export class BaseConfig {
  @IsString() NATS_URL = 'nats://127.0.0.1:4222';
  /**
   * This service's NATS user and password (deploy/k8s: the `NATS_PASSWORD_<SERVICE>` Secret
   * keys; `npm start`: .data/secrets.json). The server refuses anonymous connections. Never logged.
   */
  @IsOptional() @IsString() NATS_USER?: string;
  @ValidateIf((c: BaseConfig) => !!c.NATS_USER) @IsString() @MinLength(12) NATS_PASSWORD?: string;
  /** PEM file of the CA that signed the NATS servers' certificates: set it and the link is TLS. */
  @IsOptional() @IsString() NATS_TLS_CA?: string;
  /** Client certificate and key (PEM files), when the servers verify clients too. */
  @ValidateIf((c: BaseConfig) => !!c.NATS_TLS_KEY) @IsString() NATS_TLS_CERT?: string;
  @ValidateIf((c: BaseConfig) => !!c.NATS_TLS_CERT) @IsString() NATS_TLS_KEY?: string;
  /**
   * `listed`: connect to the servers of NATS_URL in the order given (the clustered start lists a
   * different node first for each replica, so the replicas spread over the nodes); `random`
   * (default, nats.js's own): shuffle them.
   */
  @IsIn(['random', 'listed']) NATS_SERVER_ORDER: 'random' | 'listed' = 'random';
  @IsString() DATABASE_URL = 'postgres://postgres@127.0.0.1:54329/cloudflow';
  @IsString() HOST = '127.0.0.1';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  /** Milliseconds an RPC over NATS may take before the caller gives up. */
  @IsInt() @Min(100) @Max(60_000) RPC_TIMEOUT_MS = 5000;
  /**
   * Replicas of the JetStream streams and key-value buckets this service creates (presence,
   * request events): 1 for a single nats-server, 3 on the clustered deployment (deploy/k8s).
   */
  @IsInt() @Min(1) @Max(5) NATS_JS_REPLICAS = 1;
  /**
   * Which proxies in front of this service may say who the client is (Express `trust proxy`):
   * `false` (default: the socket's address, X-Forwarded-For ignored), a number of hops (the
   * clustered start: `1`, HAProxy), or a comma list of proxy addresses/subnets (`10.0.0.0/8`,
   * `loopback`). Never `true`: anyone could then pick their address, and guess counters with it.
   */
  @Matches(/^(false|\d{1,2}|((loopback|linklocal|uniquelocal|[0-9a-fA-F.:/]+)\s*,?\s*)+)$/, {
    message: 'TRUST_PROXY must be false, a hop count, or a list of proxy addresses',
  })
  TRUST_PROXY = 'false';
  /** A name for this replica in logs and metrics; defaults to host:pid. */
  @IsOptional() @IsString() INSTANCE_ID?: string;
  /**
   * The OTLP/HTTP collector base URL (`http://collector:4318`): set it and this service exports
   * its traces to `<url>/v1/traces` (README "Tracing"); unset, tracing is off and costs nothing.
   * The SDK also reads the other standard OTEL_* variables (OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*).
   */
  @IsOptional()
  @Matches(/^$|^https?:\/\/[^\s]+$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
}
