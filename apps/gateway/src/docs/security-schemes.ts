import type { DocumentBuilder } from '@nestjs/swagger';

/** Names of the OpenAPI security schemes; routes require api-key AND their group's bearer. */
export const SECURITY = {
  appKey: 'api-key',
  clientBearer: 'clientBearer',
  deviceBearer: 'deviceBearer',
} as const;

export function addSecuritySchemes(builder: DocumentBuilder): DocumentBuilder {
  return builder
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'api-key',
        description: 'Your APP key (developer portal › Settings).',
      },
      SECURITY.appKey,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'base64(JSON)',
        description:
          'Base64 of the account credentials as JSON: `{"accountId":"…","apiToken":"…"}` (case-sensitive). ' +
          'E.g. `Bearer eyJhY2NvdW50SWQiOiJwb3MtMSIsImFwaVRva2VuIjoiLi4uIn0=`.',
      },
      SECURITY.clientBearer,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'base64(JSON)',
        description:
          'Base64 of the device credentials as JSON: `{"model":"…","serialNumber":"…","apiToken":"…"}` (case-sensitive).',
      },
      SECURITY.deviceBearer,
    );
}
