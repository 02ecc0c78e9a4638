import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { CloudFlowError, ErrorCode, type VerifiedAccount } from '@cloudflow/contracts';
import type { RequestWithAppKey } from '@cloudflow/access';
import type { Response } from 'express';
import { ClientApiController } from '../client-api/client-api.docs';
import { CurrentAccount } from '../credentials/relay-auth.guards';
import { preferredWait } from '../requests/prefer-wait';
import { RequestFinals } from '../requests/request-finals';
import { ClientEventsDocs } from './client-events.docs';
import { ClientEventsQuery, EVENTS_PAGE, type FeedPageDto } from './client-events.dto';
import { ClientEventsRepository, formatCursor, parseCursor } from './client-events.repository';
import { OutboxSignal } from './outbox-signal';

/** A waiting call reads again at least this often: a row may become visible without a notify (pg_snapshot_xmin moved). */
const BACKSTOP_MS = 1000;
const BIGINT_MAX = 2n ** 63n - 1n;

/**
 * GET /client/v1.1/events (issue 14): the account's events, as its webhooks carry them, from a
 * cursor on. With `Prefer: wait=N` an empty page is held until an event comes or N seconds pass.
 */
@Controller('client/v1.1')
@ClientApiController('1.1')
export class ClientEventsController {
  constructor(
    private readonly feed: ClientEventsRepository,
    private readonly signal: OutboxSignal,
    private readonly waits: RequestFinals,
  ) {}

  @Get('events')
  @ClientEventsDocs()
  async events(
    @CurrentAccount() account: VerifiedAccount,
    @Query() query: ClientEventsQuery,
    @Req() req: RequestWithAppKey,
    @Res({ passthrough: true }) res: Response,
  ): Promise<FeedPageDto> {
    const after = parseCursor(query.after);
    if (after && (after.txid > BIGINT_MAX || after.seq > BIGINT_MAX))
      throw new CloudFlowError(
        ErrorCode.invalidData,
        'Invalid data: after: must be a cursor from a previous page',
      );
    const limit = query.limit ?? EVENTS_PAGE.default;
    const read = () => this.feed.page(account.tenantId, account.accountId, after, limit);
    let page = await read();
    const seconds = preferredWait(req.headers.prefer);
    if (page.events.length === 0 && seconds !== undefined && this.waits.hold()) {
      try {
        const until = Date.now() + seconds * 1000;
        while (page.events.length === 0 && Date.now() < until && !this.waits.shuttingDown) {
          await this.signal.next(Math.min(BACKSTOP_MS, until - Date.now()));
          page = await read();
        }
        res.setHeader('Preference-Applied', `wait=${seconds}`);
      } finally {
        this.waits.release();
      }
    }
    return { events: page.events as FeedPageDto['events'], next: formatCursor(page.next) };
  }
}
