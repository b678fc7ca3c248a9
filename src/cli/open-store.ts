/** The message store the CLI commands open: filled in once src/store lands (branch store). */
import type { MessageStore } from '../store/types.js';

export function openCliStore(): Promise<MessageStore> {
  return Promise.reject(new Error('the message store is not built into this medibus yet'));
}
