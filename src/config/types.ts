import type { ContentMode } from '../store/types.js';
/**
 * A channel file after loading: validated, defaults applied, durations in milliseconds and
 * sizes in bytes, deep-frozen. The JSON Schema (schema.ts) is the source of truth for these
 * shapes; keep the two in step (test/config checks a full channel against both).
 */

export const DESTINATION_ORDERINGS = ['patient', 'none'] as const;
export type DestinationOrdering = (typeof DESTINATION_ORDERINGS)[number];

/**
 * `source:`. Its keys beyond `type` belong to the connector (e.g. MllpSourceConfig); the
 * engine hands the whole object to the spec whose `type` matches.
 */
export interface SourceConfig {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface OrderingConfig {
  /** HL7 v2 path, e.g. `PID-3[1]` */
  readonly key: string;
  /** 1–64 */
  readonly partitions: number;
}

export interface FilterConfig {
  /** `ADT^A01`, `ADT^*` */
  readonly messageTypes?: readonly string[];
  readonly when?: string;
}

export interface TransformConfig {
  /** name of mappings/<name>.yaml */
  readonly mapping: string;
  /** validate every resource against the R4 profiles (default true) */
  readonly validate: boolean;
  /** IANA zone or offset for HL7 times without an offset */
  readonly timezone?: string;
}

/** Temporal-style retry: delay n = initialDelay × backoffCoefficientⁿ⁻¹, capped at maxDelay. */
export interface RetryConfig {
  /** attempts in all, the first included */
  readonly maxAttempts: number;
  /** ms */
  readonly initialDelay: number;
  /** ms */
  readonly maxDelay: number;
  readonly backoffCoefficient: number;
}

/** One of `destinations:`; the keys beyond the common ones belong to the connector. */
export interface DestinationConfig {
  readonly name: string;
  readonly type: string;
  readonly ordering: DestinationOrdering;
  readonly retry: RetryConfig;
  readonly [key: string]: unknown;
}

export interface StoreConfig {
  readonly content: ContentMode;
  /** `30d`, `48h` (schema.ts) */
  readonly retention: string;
}

export interface LogConfig {
  /** message bodies go to the separate debug log */
  readonly debug: boolean;
}

export interface TestExpectation {
  /** FHIRPath */
  readonly path: string;
  readonly equals?: unknown;
  readonly exists?: boolean;
  readonly count?: number;
}

export interface ChannelTest {
  /** as written: relative to the channel file */
  readonly input: string;
  readonly name?: string;
  readonly expect: readonly TestExpectation[];
}

export interface ChannelConfig {
  readonly id: string;
  readonly description?: string;
  readonly enabled: boolean;
  /** a source that cannot start leaves this channel down instead of stopping the start */
  readonly optional?: boolean;
  readonly source: SourceConfig;
  readonly ordering: OrderingConfig;
  readonly filter?: FilterConfig;
  readonly transform?: TransformConfig;
  readonly destinations: readonly DestinationConfig[];
  /** always set by the loader (schema default); absent in configs built by hand = full, 30d */
  readonly store?: StoreConfig;
  readonly log: LogConfig;
  readonly tests: readonly ChannelTest[];
}

export interface LoadedChannel {
  /** absolute path of the channel file (test inputs are relative to it) */
  readonly file: string;
  readonly config: ChannelConfig;
}
