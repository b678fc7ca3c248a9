/**
 * The channel a broker command (replay, dead, teardown) works on, read for its topology only
 * (config/load-topology.ts): the operator's shell need not hold the channel's secrets.
 */
import { resolve } from 'node:path';
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadChannelTopologies } from '../config/load-topology.js';
import type { LoadedChannel } from '../config/types.js';

export async function findChannel(dir: string, id: string, command: string, err: (text: string) => void): Promise<LoadedChannel | undefined> {
  const { channels, diagnostics } = await loadChannelTopologies(resolve(dir));
  const channel = channels.find((c) => c.config.id === id);
  if (channel) return channel;
  // the problems matter only when they may be why the channel is missing
  for (const d of diagnostics) err(`${formatDiagnostic(d)}\n`);
  const known = channels.map((c) => c.config.id).join(', ') || 'none';
  const unread = diagnostics.length > 0 ? `; ${new Set(diagnostics.map((d) => d.file)).size} file(s) could not be read, see above` : '';
  err(`medibus ${command}: no channel "${id}" in ${dir} (known: ${known}${unread})\n`);
  return undefined;
}
