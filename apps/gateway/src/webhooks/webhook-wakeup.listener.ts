import { Client } from 'pg';
import type { Logger } from 'pino';
import { WEBHOOK_CHANNEL } from './webhook-outbox.repository';

/**
 * A dedicated Postgres connection LISTENing for enqueue commits, so a worker on any replica
 * starts a fresh delivery within milliseconds instead of at its next poll. Losing it costs only
 * latency (the poll still runs); it reconnects by itself.
 */
export class WebhookWakeupListener {
  private client?: Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private failures = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly onWake: () => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 3000 });
    this.client = client;
    client.on('notification', () => this.onWake());
    client.on('error', () => this.reconnectLater(client));
    client.on('end', () => this.reconnectLater(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${WEBHOOK_CHANNEL}`);
      this.failures = 0;
      // Anything committed while we were not listening is picked up now.
      this.onWake();
    } catch (error) {
      if (this.failures++ % 30 === 0)
        this.logger.warn({ err: error }, 'webhook wake-up channel not connected; polling meanwhile');
      this.reconnectLater(client);
    }
  }

  private reconnectLater(client: Client): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.retry = setTimeout(() => void this.connect(), 1000);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}
