import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_HTTP_STATUS, ErrorCode } from '@cloudflow/contracts';

/**
 * Node's HTTP parser refuses some requests before Express sees them (oversized headers, a bad
 * method, broken framing) and by default answers with an empty body. This answers them with
 * the contract's error body too (issue 12, item 9): 431 `invalidData` for headers over the
 * limit, 400 `failed` for anything the parser could not read. The connection is closed after.
 */
export function answerParserErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(parserErrorResponse(error.code));
  });
}

/** The raw HTTP/1.1 answer for a parser error code (exported for its spec). */
export function parserErrorResponse(code: string | undefined): string {
  const tooLarge = code === 'HPE_HEADER_OVERFLOW';
  const timedOut = code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = tooLarge ? 431 : timedOut ? 408 : ERROR_HTTP_STATUS[ErrorCode.failed];
  const reason = tooLarge ? 'Request Header Fields Too Large' : timedOut ? 'Request Timeout' : 'Bad Request';
  const body = JSON.stringify(
    tooLarge
      ? { errorCode: ErrorCode.invalidData, errorMessage: 'Request header fields are too large' }
      : timedOut
        ? { errorCode: ErrorCode.failed, errorMessage: 'The request was not received in time' }
        : { errorCode: ErrorCode.failed, errorMessage: 'Malformed HTTP request' },
  );
  return [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'X-Content-Type-Options: nosniff',
    'Cache-Control: no-store',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
