import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';

/** GET /admin/v1/requests: what the entries and the dead letters are (issue 9, hole 4). */
export const ListRequestsDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The tenant's request log",
      description:
        'Newest first, exact filters. `requests`: each request with its timeline (`messages`, in the order the device sent ' +
        'them) and, for async requests, its webhook deliveries. `deadLetters`: request events from the terminals that could ' +
        'never be recorded (for example a payload with a NUL character, or nested too deep to store), set aside so they hold ' +
        'back no other event; each has `accountId`, `requestId`, `eventId` (null when the event was unreadable), `reason`, ' +
        '`deliveries`, `deadAt` and `event` (the event as JSON text, card numbers masked, NUL characters shown as `<NUL>`, ' +
        'cut at 16 KiB). `accountId` and `limit` apply to dead letters too; with a `status` or `target` filter they are empty.',
    }),
    ApiOkResponse({
      description: 'The request log',
      schema: {
        type: 'object',
        required: ['requests', 'deadLetters'],
        properties: {
          requests: { type: 'array', items: { type: 'object' } },
          deadLetters: {
            type: 'array',
            items: {
              type: 'object',
              required: ['accountId', 'requestId', 'eventId', 'reason', 'deliveries', 'event', 'deadAt'],
              properties: {
                accountId: { type: 'string', nullable: true },
                requestId: { type: 'string', nullable: true },
                eventId: { type: 'string', nullable: true },
                reason: {
                  type: 'string',
                  example: 'storage refused the event: 22P05 unsupported Unicode escape sequence',
                },
                deliveries: { type: 'integer', example: 1 },
                event: { type: 'string' },
                deadAt: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
    }),
  );
