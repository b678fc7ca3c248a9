/**
 * Sources of the DICOM and CSV kinds for tests of the message model, before the real ones
 * (C-STORE, watched folders) exist in this tree: each hands the test the SourceContext the
 * ChannelRuntime built for it, so a test ingests payloads through the real intake, broker,
 * transform and destinations. Nothing is faked: only the transport in front of ingest() is left out.
 */
import type { PayloadKind } from '../../src/kinds/types.js';
import type { Source, SourceContext, SourceSpec } from '../../src/sources/types.js';

export interface HeldSources {
  readonly specs: readonly SourceSpec<never>[];
  /** the context of a running channel's source */
  context(channelId: string): SourceContext;
}

export function heldSources(kinds: readonly PayloadKind[] = ['dicom', 'csv']): HeldSources {
  const contexts = new Map<string, SourceContext>();
  const specs = kinds.map(
    (kind): SourceSpec<never> => ({
      type: `held-${kind}`,
      kind,
      description: `Test-only source of ${kind} payloads: the test calls ingest() on its context.`,
      configSchema: { type: 'object', additionalProperties: false, properties: {} },
      create(_config: never, context: SourceContext): Source {
        contexts.set(context.channelId, context);
        return { start: async () => undefined, stop: async () => undefined, address: () => undefined };
      },
    }),
  );
  return {
    specs,
    context(channelId) {
      const context = contexts.get(channelId);
      if (!context) throw new Error(`no held source for channel ${channelId}`);
      return context;
    },
  };
}
