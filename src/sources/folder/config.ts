/** The `source:` keys every watched folder has (csv-folder, dicom-folder), after defaults and unit parsing. */
import type { JsonSchema } from '../../util/json-schema.js';

export interface FolderConfig {
  readonly dir: string;
  readonly pattern: string;
  /** default <dir>/done */
  readonly doneDir?: string;
  /** default <dir>/failed */
  readonly failedDir?: string;
  /** ms */
  readonly settle: number;
  /** ms */
  readonly pollInterval: number;
  /** ms */
  readonly retryDelay: number;
  readonly concurrency: number;
  /** ms to wait for the broker's confirm */
  readonly ackTimeout: number;
}

export function folderSchema(pattern: string, own: Record<string, JsonSchema>, concurrency = 2): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['dir'],
    properties: {
      dir: { type: 'string', minLength: 1, description: 'The watched folder (created if missing). Files are taken from it, never from its subfolders.', examples: ['/var/spool/medibus/exports'] },
      pattern: { type: 'string', minLength: 1, description: 'Which file names are taken (`*` and `?`, case-insensitive). Other files are left alone.', default: pattern },
      doneDir: { type: 'string', minLength: 1, description: 'Where a file goes once all its content is durable. Default: done/ inside dir.', examples: ['/var/spool/medibus/done'] },
      failedDir: { type: 'string', minLength: 1, description: 'Where a file that cannot be read goes, with <name>.reason.txt beside it. Default: failed/ inside dir.', examples: ['/var/spool/medibus/failed'] },
      settle: { $ref: '#/$defs/duration', description: 'A file is read only once its size and modification time have not changed for this long (the writer is done with it).', default: '2s' },
      pollInterval: { $ref: '#/$defs/duration', description: 'How often the folder is scanned (file-system events only make the next scan come sooner).', default: '1s' },
      retryDelay: { $ref: '#/$defs/duration', description: 'How long a file whose content could not be made durable (broker down) waits in the folder before it is taken again.', default: '5s' },
      concurrency: { type: 'integer', minimum: 1, maximum: 64, description: 'Files read at once.', default: concurrency },
      ackTimeout: { $ref: '#/$defs/duration', description: 'How long to wait for the broker to confirm a message before the file waits for a retry.', default: '10s' },
      ...own,
    },
  };
}
