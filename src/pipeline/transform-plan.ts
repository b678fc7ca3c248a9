/**
 * Which mapping, filter and settings each channel transforms with: resolved in one place for
 * `medibus start` (engine.ts), `test` and `validate`, from one mappings directory (issue 14:
 * each wrote its own resolution; `test` looked mappings up by file name, `start` by id).
 *
 * It lives in pipeline/, not config/: it joins channel files (config) and mappings (mapping),
 * and mapping already builds on config.
 */
import { displayPath, type Diagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import { sourceKind, type ConnectorSchemaSpec } from '../config/schema.js';
import type { ChannelConfig, LoadedChannel } from '../config/types.js';
import type { PayloadKind } from '../kinds/types.js';
import { locateInFile } from '../config/yaml.js';
import type { Env } from '../config/env.js';
import { isMedibusError } from '../errors.js';
import { loadMappings, type CompiledMapping } from '../mapping/index.js';
import { createFilter } from './filter.js';
import type { MessageMapping, TransformPlan } from './transform-step.js';

/** The charset a channel's source decodes with when MSH-18 is empty (its `charset` key, if it has one). */
export function sourceCharset(config: ChannelConfig): string {
  const charset = (config.source as { charset?: unknown }).charset;
  return typeof charset === 'string' ? charset : 'UTF-8';
}

/**
 * The plan of one channel whose mapping (if it names one) is already compiled. `kind` is the
 * one its source hands on (the registry's spec for its type, unless given).
 */
export function planChannel(channel: LoadedChannel, mapping: MessageMapping | undefined, kind: PayloadKind = sourceKind(channel.config.source.type)): TransformPlan {
  const { config } = channel;
  // Without an explicit list, a channel takes what its mapping handles; the rest is filtered.
  const mapped = mapping !== undefined && mapping.messageTypes.length > 0 ? mapping.messageTypes : undefined;
  return Object.freeze({
    channelId: config.id,
    file: channel.file,
    kind,
    filter: createFilter({
      ...(kind === 'hl7v2' ? { messageTypes: config.filter?.messageTypes ?? mapped } : { types: config.filter?.types ?? mapped }),
      when: config.filter?.when,
      where: channel.file,
    }),
    mapping,
    validate: config.transform?.validate ?? true,
    timezone: config.transform?.timezone,
    charset: sourceCharset(config),
  });
}

export interface ChannelPlans {
  /** by channel id; a channel whose mapping or filter is broken has none */
  readonly plans: ReadonlyMap<string, TransformPlan>;
  /** every mapping of the directory, by id (empty when none was needed or any has an error) */
  readonly mappings: ReadonlyMap<string, CompiledMapping>;
  /** the mappings' own, then each channel's reference that does not resolve, at the reference */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Compiles the mappings of `mappingsDir` (only when a channel has `transform:`) and plans
 * every channel. A `transform.mapping` that names no mapping is an error at the `mapping:`
 * value of the channel file, with the known ids.
 */
export async function planChannels(channels: readonly LoadedChannel[], options: { mappingsDir: string; env?: Env; sources?: readonly ConnectorSchemaSpec[] }): Promise<ChannelPlans> {
  const needed = channels.some((c) => c.config.transform !== undefined);
  const loaded = needed ? await loadMappings(options.mappingsDir, options.env ? { env: options.env } : {}) : { mappings: new Map<string, CompiledMapping>(), diagnostics: [] };
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const mappingsBroken = diagnostics.some((d) => d.severity === 'error');
  const plans = new Map<string, TransformPlan>();
  for (const channel of channels) {
    const name = channel.config.transform?.mapping;
    const mapping = name === undefined ? undefined : loaded.mappings.get(name);
    if (name !== undefined && mapping === undefined) {
      // a broken mapping file is reported above; naming it again here would only repeat that
      if (mappingsBroken) continue;
      const known = [...loaded.mappings.keys()].sort();
      const position = await locateInFile(channel.file, ['transform', 'mapping']);
      diagnostics.push({
        file: channel.file,
        ...position,
        severity: 'error',
        code: 'MEDIBUS_ERR_CONFIG_REFERENCE',
        path: 'transform.mapping',
        message: `no mapping "${name}" in ${displayPath(options.mappingsDir)} (known: ${known.join(', ') || 'none'})${didYouMean(name, known)}`,
      });
      continue;
    }
    const kind = sourceKind(channel.config.source.type, options.sources);
    if (mapping !== undefined && mapping.input !== kind) {
      const position = await locateInFile(channel.file, ['transform', 'mapping']);
      diagnostics.push({
        file: channel.file,
        ...position,
        severity: 'error',
        code: 'MEDIBUS_ERR_KIND_MISMATCH',
        path: 'transform.mapping',
        message: `mapping "${mapping.id}" reads ${mapping.input} (its input:), but the source type ${channel.config.source.type} hands on ${kind}`,
      });
      continue;
    }
    try {
      plans.set(channel.config.id, planChannel(channel, mapping, kind));
    } catch (error) {
      if (!isMedibusError(error)) throw error;
      const position = await locateInFile(channel.file, ['filter', 'when']);
      diagnostics.push({ file: channel.file, ...position, severity: 'error', code: error.code, path: 'filter.when', message: error.message });
    }
  }
  return { plans, mappings: loaded.mappings, diagnostics };
}
