import { NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { CloudFlowError, ERROR_HTTP_STATUS, ErrorCode } from '@cloudflow/contracts';
import { createServer, type AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { isPoolBusy, isStorageOutage, toCloudFlowError } from './to-cloudflow-error';

describe('toCloudFlowError', () => {
  it('keeps CloudFlow errors as they are', () => {
    const e = new CloudFlowError(ErrorCode.duplicateItem, 'exists');
    expect(toCloudFlowError(e)).toBe(e);
  });

  it('turns body-parser failures into 422 invalidData, never 500', () => {
    expect(toCloudFlowError(Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed' }))?.code).toBe(
      ErrorCode.invalidData,
    );
    expect(toCloudFlowError(Object.assign(new Error('x'), { type: 'entity.too.large' }))?.message).toBe(
      'Request body exceeds 64 KiB',
    );
    expect(toCloudFlowError(new PayloadTooLargeException())?.code).toBe(ErrorCode.invalidData);
    expect(
      toCloudFlowError(
        Object.assign(new Error('Request body nests deeper than 32 levels'), { type: 'entity.too.deep' }),
      ),
    ).toEqual(new CloudFlowError(ErrorCode.invalidData, 'Request body nests deeper than 32 levels'));
  });

  it('turns text Postgres cannot hold (a NUL in text or jsonb: 22021, 22P05) into invalidData, and only those data errors', () => {
    const nulText = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      driverError: { code: '22021' },
    });
    expect(toCloudFlowError(nulText)?.code).toBe(ErrorCode.invalidData);
    expect(
      toCloudFlowError(Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }))
        ?.code,
    ).toBe(ErrorCode.invalidData);
    expect(toCloudFlowError(Object.assign(new Error('division by zero'), { code: '22012' }))).toBeUndefined();
  });

  it('turns an unknown route into notFound and a Postgres outage into storageFailed', () => {
    expect(toCloudFlowError(new NotFoundException())?.code).toBe(ErrorCode.notFound);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isStorageOutage(refused)).toBe(true);
    expect(toCloudFlowError(refused)?.code).toBe(ErrorCode.storageFailed);
  });

  it('answers a wait for a pooled connection as overload (429 + Retry-After), not storageFailed; a connect time-out stays an outage', async () => {
    // Real pg-pool errors: a "server" that accepts and never speaks keeps the pool's one connection connecting.
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const pool = new Pool({
      host: '127.0.0.1',
      port: (silent.address() as AddressInfo).port,
      max: 1,
      connectionTimeoutMillis: 300,
    });
    try {
      const [connecting, waiting] = await Promise.allSettled([
        pool.connect(),
        new Promise((r) => setImmediate(r)).then(() => pool.connect()),
      ]);
      const connectTimeout = (connecting as PromiseRejectedResult).reason as Error;
      const poolWait = (waiting as PromiseRejectedResult).reason as Error;
      expect(isPoolBusy(poolWait)).toBe(true);
      expect(isStorageOutage(poolWait)).toBe(false);
      expect(toCloudFlowError(poolWait)).toMatchObject({
        code: ErrorCode.tooManyRequests,
        retryAfterSeconds: 1,
      });
      expect(isPoolBusy(connectTimeout)).toBe(false);
      expect(toCloudFlowError(connectTimeout)?.code).toBe(ErrorCode.storageFailed);
    } finally {
      await pool.end().catch(() => undefined);
      silent.close();
    }
  });

  it('leaves genuinely unexpected errors to the caller (logged with an errorId, answered as failed)', () => {
    expect(toCloudFlowError(new TypeError('boom'))).toBeUndefined();
  });

  it('maps every code to the status CONTRACT.md §2 gives it', () => {
    expect(ERROR_HTTP_STATUS).toEqual({
      failed: 400,
      unauthorized: 401,
      forbidden: 403,
      notFound: 404,
      duplicateItem: 409,
      connectionLost: 410,
      preconditionFailed: 412,
      storageFailed: 417,
      invalidData: 422,
      tooManyConnections: 429,
      tooManyRequests: 429,
    });
  });

  it('rehydrates an error body that crossed NATS, and degrades unknown shapes to failed', () => {
    const back = CloudFlowError.fromBody({
      errorCode: 'forbidden',
      errorMessage: 'no',
      error: 'Access to this API has been disallowed',
    });
    expect(back.toBody()).toEqual({
      errorCode: 'forbidden',
      errorMessage: 'no',
      error: 'Access to this API has been disallowed',
    });
    expect(CloudFlowError.fromBody({ errorCode: 'bogus' }).code).toBe(ErrorCode.failed);
  });
});
