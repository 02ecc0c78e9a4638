import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode, type ErrorBody } from '@cloudflow/contracts';

/** Every error body of every endpoint (CONTRACT.md §2, seed 001). */
export class ErrorBodyDto implements ErrorBody {
  [extra: string]: unknown;

  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.notFound })
  errorCode: ErrorCode;

  @ApiProperty({ example: "Device 'till-7' does not exist" })
  errorMessage: string;

  @ApiPropertyOptional({
    description: "APP-key errors only (seed 000): the same text as errorMessage, e.g. 'Invalid APP key'.",
    example: 'Invalid APP key',
  })
  error?: string;

  @ApiPropertyOptional({
    description:
      '`connectionLost` only: `false` = nothing reached the terminal, a retry with the same requestId is safe; ' +
      '`true` = the request was dispatched and its outcome is unknown: do not pay again, read the stored request (or wait for its webhook).',
    example: false,
  })
  dispatched?: boolean;
}
