/**
 * The message store the `user` and `token` commands open: the one `medibus start` opens
 * (MEDIBUS_STORE_URL, else the embedded SQLite in MEDIBUS_DATA_DIR), so run them in the same
 * directory and environment as `medibus start`.
 */
import { MedibusError } from '../errors.js';
import { openStore, storeSettingsFromEnv } from '../store/open.js';
import type { MessageStore } from '../store/types.js';

export async function openCliStore(env: NodeJS.ProcessEnv = process.env): Promise<MessageStore> {
  const store = await openStore(storeSettingsFromEnv(env));
  if (!store) throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', 'MEDIBUS_STORE_URL=off: users live in the message store; point MEDIBUS_STORE_URL at it');
  return store;
}
