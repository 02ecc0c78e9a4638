/**
 * How a request was made, one name everywhere (bus, connection, record, request log, metrics):
 * `sync` over a POS websocket, answered on that socket; `async` over REST, recorded by the
 * gateway and answered by webhook and by the record.
 */
export type RequestMode = 'sync' | 'async';

export const REQUEST_MODES: readonly RequestMode[] = ['sync', 'async'];
