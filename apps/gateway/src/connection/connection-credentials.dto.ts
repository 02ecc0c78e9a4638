import { ApiProperty } from '@nestjs/swagger';
import { WEBSOCKET_TOKEN_TTL_SECONDS, type ConnectionCredentials } from '@cloudflow/contracts';

/** The OpenAPI face of ConnectionCredentials (CONTRACT.md §5, §6). */
export class ConnectionCredentialsDto implements ConnectionCredentials {
  @ApiProperty({ enum: ['websocket'], example: 'websocket' })
  connectionType: 'websocket';

  @ApiProperty({
    description: 'The websocket to connect to (a load balancer in front of the hubs).',
    example: 'wss://ws.cloudflow.example/ws',
  })
  connectionUrl: string;

  @ApiProperty({ enum: ['jwt'], example: 'jwt' })
  tokenType: 'jwt';

  @ApiProperty({
    description:
      `A short-lived JWT: connect within ${WEBSOCKET_TOKEN_TTL_SECONDS / 60} minutes, presenting it as \`Authorization: Bearer <accessToken>\` ` +
      'on the upgrade request or as the `access_token` query parameter. The session then lasts until either side closes it.',
    example: 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJraW5kIjoiY2xpZW50In0.c2lnbmF0dXJl',
  })
  accessToken: string;
}
