/**
 * What `medibus start` says when a channel cannot start: one line naming the channel, the
 * place in its file that decided it (the `port:` of a listener that cannot bind) and why.
 * Channel files keep their positions only while loading, so the file is read again here:
 * this runs once, on the way out.
 */
import { readFile } from 'node:fs/promises';
import { displayPath } from './config/diagnostics.js';
import type { LoadedChannel } from './config/types.js';
import { parseYaml } from './config/yaml.js';
import { errorMessage, isMedibusError, MedibusError } from './errors.js';

/** `file:line:col` of `source.port` (or of `source:` for a source without a port). */
async function sourcePosition(channel: LoadedChannel, key: string): Promise<string> {
  const where = displayPath(channel.file);
  try {
    const { source } = parseYaml(await readFile(channel.file, 'utf8'), channel.file);
    const { position } = source.locate(['source', key]);
    return `${where}:${position.line}:${position.column}`;
  } catch {
    return where;
  }
}

/** The error a channel's failed start becomes: its message is the one line the CLI prints. */
export async function channelStartError(channel: LoadedChannel, error: unknown): Promise<MedibusError> {
  const listen = isMedibusError(error) && error.code === 'MEDIBUS_ERR_SOURCE_LISTEN';
  const key = listen ? 'port' : 'type';
  const where = await sourcePosition(channel, key);
  const code = isMedibusError(error) ? error.code : 'MEDIBUS_ERR_INTERNAL';
  return new MedibusError(code, `channel ${channel.config.id} cannot start: ${where} source.${key}: ${errorMessage(error)}`, { cause: error });
}
