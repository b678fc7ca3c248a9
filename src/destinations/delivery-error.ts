/**
 * What every destination rejects with (types.ts): a MedibusError that also says what the
 * destination answered, and the AbortSignal handling around work that takes no signal of
 * its own (a queued MLLP send, a broker confirm, a shared token request).
 */
import { MedibusError, type ErrorCode } from '../errors.js';

/**
 * A delivery failure with what the destination answered. `retryAfterMs` is read by the
 * delivery worker as a minimum delay before the next attempt (HTTP Retry-After).
 */
export class DeliveryError extends MedibusError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** what an aborted attempt rejects with; the worker sees `signal.aborted` and requeues */
export function abortError(where: string): DeliveryError {
  return new DeliveryError('MEDIBUS_ERR_DELIVERY_TRANSIENT', `${where}: aborted (the delivery worker stopped or gave up)`);
}

/**
 * `promise`, unless `signal` aborts first: then `onAbort` runs (to drop a connection whose
 * answer nobody will read) and the wait rejects at once. The work itself goes on unless
 * `onAbort` stops it, so what it does after an abort must be harmless.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, where: string, onAbort?: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort?.();
    // the work was started by the caller: its failure is nobody's business now
    void promise.catch(() => undefined);
    return Promise.reject(abortError(where));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort?.();
      reject(abortError(where));
    };
    signal.addEventListener('abort', abort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
