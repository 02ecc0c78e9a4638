import { applyDecorators, UseGuards } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorCode } from '@cloudflow/contracts';
import { RequiresApiGroup } from '@cloudflow/platform';
import { ConnectionCredentialsDto } from '../connection/connection-credentials.dto';
import { BEARER_INVALID_MESSAGE } from '../credentials/bearer.parser';
import { ClientAuthGuard } from '../credentials/relay-auth.guards';
import { ApiErrors, err } from '../docs/api-errors.decorator';
import { SECURITY } from '../docs/security-schemes';
import { DeviceConnectedDto, DeviceDisconnectedDto, DeviceViewDto } from './client-api.dto';

const bearer401 = err('bearer', ErrorCode.unauthorized, BEARER_INVALID_MESSAGE);
const device404 = err('unknownDevice', ErrorCode.notFound, "Device 'till-7' does not exist");
const badReference = err(
  'badReferenceId',
  ErrorCode.invalidData,
  'Invalid data: referenceId: may contain only letters, digits and . _ : @ -',
);

/** Everything a Client API controller of any version shares: group, both auth layers, docs. */
export function ClientApiController(version: '1.0' | '1.1') {
  return applyDecorators(
    ApiTags(`Client API ${version}`),
    ApiSecurity({ [SECURITY.appKey]: [], [SECURITY.clientBearer]: [] }),
    RequiresApiGroup('client'),
    UseGuards(ClientAuthGuard),
  );
}

export const TokenDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Credentials to open the POS websocket',
      description:
        'Returns a short-lived JWT and the websocket URL to connect to. Device and client sockets of an account both count ' +
        "against the account's connection limit; at the limit this answers 429 `tooManyConnections`.",
    }),
    ApiOkResponse({
      type: ConnectionCredentialsDto,
      description: 'Connect to `connectionUrl` with `accessToken` within 5 minutes',
    }),
    ApiErrors([
      bearer401,
      err('atLimit', ErrorCode.tooManyConnections, 'Connection limit of 5 reached for this account'),
    ]),
  );

export const ListDevicesDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The account's devices",
      description: 'All filters are optional, exact and case-sensitive.',
    }),
    ApiOkResponse({
      type: DeviceViewDto,
      isArray: true,
      description: 'The matching devices of the account (possibly none)',
    }),
    ApiErrors([
      bearer401,
      err('unknownParameter', ErrorCode.invalidData, 'Invalid data: colour: unknown field'),
    ]),
  );

export const GetDeviceDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'One device',
      description: '404 for a device that does not exist or belongs to another account.',
    }),
    ApiOkResponse({ type: DeviceViewDto, description: 'The device' }),
    ApiErrors([bearer401, device404, badReference]),
  );

export const DeviceConnectedDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Whether the device is connected now',
      description: 'From the live state of the hubs: a closed socket shows as disconnected within a second.',
    }),
    ApiExtraModels(DeviceConnectedDto, DeviceDisconnectedDto),
    ApiOkResponse({
      description: 'The live connection state',
      schema: {
        oneOf: [{ $ref: getSchemaPath(DeviceConnectedDto) }, { $ref: getSchemaPath(DeviceDisconnectedDto) }],
      },
      examples: {
        connected: {
          summary: 'Connected',
          value: { connected: true, connectedSince: '2025-11-23T09:41:07.120Z' },
        },
        disconnected: {
          summary: 'Disconnected',
          value: { connected: false, lastSeen: '2025-11-23T08:02:55.004Z' },
        },
        neverConnected: { summary: 'Never connected', value: { connected: false, lastSeen: null } },
      },
    }),
    ApiErrors([bearer401, device404, badReference]),
  );
