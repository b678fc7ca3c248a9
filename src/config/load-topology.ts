/**
 * Channel files read for their broker topology alone, as `replay`, `dead` and `teardown`
 * need them: the id, `ordering.partitions` and each destination's name, ordering and
 * retry. A `${VAR}` left unset elsewhere (a password, a URL) is no error here: the operator
 * running `replay` need not hold the channel's secrets. What the topology is made of is
 * still checked as strictly as `start` checks it.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { channelSchema, loadYamlFile } from './load.js';
import type { ChannelConfig, LoadedChannel } from './types.js';

/** `id`, `enabled`, `ordering…`, `destinations[i]` itself and its name, ordering and retry (paths as formatPath writes them). */
const TOPOLOGY_PATH = /^(?:|id|enabled|ordering(?:\.[\w]+)?|destinations(?:\[\d+\](?:\.(?:name|ordering|retry(?:\.\w+)?))?)?)$/;

export function shapesTopology(diagnostic: Diagnostic): boolean {
  return TOPOLOGY_PATH.test(diagnostic.path);
}

/**
 * Every channel file of `dir` whose topology could be read (other keys may hold unresolved
 * `${VAR}` text: use only the topology of what this returns), with the problems that
 * concern it.
 */
export async function loadChannelTopologies(dir: string): Promise<{ channels: LoadedChannel[]; diagnostics: Diagnostic[] }> {
  const root = path.resolve(dir);
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => !n.startsWith('.') && /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    const message = `cannot read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message}`;
    return { channels: [], diagnostics: [{ file: root, line: 0, column: 0, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_IO', path: '', message }] };
  }
  const channels: LoadedChannel[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of names) {
    const result = await loadYamlFile<ChannelConfig>(path.join(root, name), channelSchema(), { keep: shapesTopology });
    diagnostics.push(...result.diagnostics.filter((d) => d.severity === 'error'));
    if (result.value) channels.push({ file: result.file, config: result.value });
  }
  return { channels, diagnostics };
}
