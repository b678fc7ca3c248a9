import type { JsonSchema } from '../sources/types.js';

/**
 * A destination connector's declaration; the delivery issue fills in `create`'s contract.
 * `configSchema` holds the connector's own keys (beside the common `name`, `type`,
 * `ordering`, `retry` that every destination has).
 */
export interface DestinationSpec<C = unknown> {
  readonly type: string;
  readonly description: string;
  readonly configSchema: JsonSchema;
  readonly create: (config: C) => unknown;
}
