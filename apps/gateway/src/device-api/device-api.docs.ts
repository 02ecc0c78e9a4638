import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@cloudflow/contracts';
import { RequiresApiGroup } from '@cloudflow/platform';
import { ConnectionCredentialsDto } from '../connection/connection-credentials.dto';
import { BEARER_INVALID_MESSAGE } from '../credentials/bearer.parser';
import { DeviceAuthGuard } from '../credentials/relay-auth.guards';
import { ApiErrors, err } from '../docs/api-errors.decorator';
import { SECURITY } from '../docs/security-schemes';

/** Everything a Device API controller of any version shares: group, both auth layers, docs. */
export function DeviceApiController(version: '1.0' | '1.1') {
  return applyDecorators(
    ApiTags(`Device API ${version}`),
    ApiSecurity({ [SECURITY.appKey]: [], [SECURITY.deviceBearer]: [] }),
    RequiresApiGroup('device'),
    UseGuards(DeviceAuthGuard),
  );
}

export const EnrolDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Credentials to open the device websocket',
      description:
        'Returns a short-lived JWT and the websocket URL for this device. A device holds at most one socket: a new one ' +
        "replaces the old. Device and client sockets of an account both count against the account's connection limit.\n\n" +
        'On the socket the hub acknowledges each final answer (`paymentResponse`, `response`, `flowException`) once it is ' +
        'durably stored, with `{"type":"ack","format":"cloudflow","version":"1.0","requestId":"<new uuid>","originatingRequestId":"<your final\'s requestId>",' +
        '"source":"cloudflow-hub","target":"<referenceId>","payload":{}}`. Keep every unacknowledged final and send it again, unchanged, after ' +
        'reconnecting (to any hub): duplicates are dropped by its requestId. Frames with U+0000, unpaired surrogates or nesting deeper than 32 levels ' +
        'get `invalidData`; a socket that stops reading is closed with 1013, one that floods the hub with 1008.',
    }),
    ApiOkResponse({
      type: ConnectionCredentialsDto,
      description: 'Connect to `connectionUrl` with `accessToken` within 5 minutes',
    }),
    ApiErrors([
      err('bearer', ErrorCode.unauthorized, BEARER_INVALID_MESSAGE),
      err('disabled', ErrorCode.forbidden, 'Device is disabled'),
      err('atLimit', ErrorCode.tooManyConnections, 'Connection limit of 5 reached for this account'),
    ]),
  );
