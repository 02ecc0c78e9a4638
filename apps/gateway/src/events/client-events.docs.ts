import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ErrorCode } from '@cloudflow/contracts';
import { BEARER_INVALID_MESSAGE } from '../credentials/bearer.parser';
import { ApiErrors, err } from '../docs/api-errors.decorator';
import { FeedPageDto } from './client-events.dto';

export const ClientEventsDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The account's events: a feed that reconciles with the webhooks",
      description:
        "Every event the account's webhooks carry — each message of its async requests, and the presence events " +
        '(`deviceConnected`, `deviceDisconnected`) it chose in `webhookEvents` — with the same ids (`CloudFlow-Delivery-Id`) ' +
        "and the same bodies, in a stable order, kept 72 h. Read from `after` = the previous page's `next`; run on webhooks, " +
        'on the feed or on both and drop duplicates by `id`. `Prefer: wait=N` (at most 60) holds an empty page until an event ' +
        'comes or N seconds pass (`Preference-Applied` says it waited).',
    }),
    ApiHeader({
      name: 'Prefer',
      required: false,
      description: '`wait=N`: long-poll up to N seconds for the next event.',
    }),
    ApiOkResponse({ type: FeedPageDto }),
    ApiErrors([
      err('bearer', ErrorCode.unauthorized, BEARER_INVALID_MESSAGE),
      err('badCursor', ErrorCode.invalidData, 'Invalid data: after must be a cursor from a previous page'),
    ]),
  );
