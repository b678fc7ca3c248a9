/**
 * Channel files read for their broker topology alone, as `replay`, `dead` and `teardown`
 * need them: the id, `ordering.partitions` and each destination's name, ordering and
 * retry. A `${VAR}` left unset elsewhere (a password, a URL) is no error here: the operator
 * running `replay` need not hold the channel's secrets. What the topology is made of is
 * still checked as strictly as `start` checks it.
 */
import type { Diagnostic } from './diagnostics.js';
import { channelSchema, listChannelFiles, loadYamlFile } from './load.js';
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
  // the same files start and validate read (a directory's *.yaml / *.yml, or one file)
  const listed = await listChannelFiles(dir);
  if (listed.files.length === 0) return { channels: [], diagnostics: listed.diagnostics.filter((d) => d.severity === 'error') };
  const channels: LoadedChannel[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of listed.files) {
    const result = await loadYamlFile<ChannelConfig>(file, channelSchema(), { keep: shapesTopology });
    diagnostics.push(...result.diagnostics.filter((d) => d.severity === 'error'));
    if (result.value) channels.push({ file: result.file, config: result.value });
  }
  return { channels, diagnostics };
}
