/**
 * A store that opens on first use and again after a failed open: medibus starts and passes
 * messages while its PostgreSQL is away (the writer spills; reads and ping fail with
 * MEDIBUS_ERR_STORE_UNAVAILABLE, which /ready reports), and the schema is migrated when it comes.
 */
import { errorMessage, MedibusError } from '../errors.js';
import type { MessageStore } from './types.js';

export function lazyStore(backend: MessageStore['backend'], open: () => Promise<MessageStore>, retryMs = 2000): MessageStore {
  let current: Promise<MessageStore> | undefined;
  let failedAt = 0;
  let lastError = '';
  let closed = false;
  const get = (): Promise<MessageStore> => {
    if (closed) return Promise.reject(new MedibusError('MEDIBUS_ERR_STORE_UNAVAILABLE', 'the message store is closed'));
    if (!current) {
      if (Date.now() - failedAt < retryMs) return Promise.reject(new MedibusError('MEDIBUS_ERR_STORE_UNAVAILABLE', `the message store cannot be opened: ${lastError}`));
      current = open().catch((error: unknown) => {
        current = undefined;
        failedAt = Date.now();
        lastError = errorMessage(error);
        throw error instanceof MedibusError ? error : new MedibusError('MEDIBUS_ERR_STORE_UNAVAILABLE', `the message store cannot be opened: ${lastError}`, { cause: error });
      });
    }
    return current;
  };
  const target = {} as MessageStore;
  return new Proxy(target, {
    get(_t, prop: keyof MessageStore) {
      switch (prop) {
        case 'backend':
          return backend;
        case 'exportAudit':
          return (query: Parameters<MessageStore['exportAudit']>[0]) =>
            (async function* () {
              yield* (await get()).exportAudit(query);
            })();
        case 'close':
          return async () => {
            closed = true;
            const store = await current?.catch(() => undefined);
            await store?.close();
          };
        default:
          return async (...args: unknown[]) => {
            const store = await get();
            return (store[prop] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
          };
      }
    },
  });
}
