import { destinationSpecs } from '../destinations/registry.js';
import { sourceSpecs } from '../sources/registry.js';
import type { JsonSchema } from '../util/json-schema.js';
import { unitDefs } from './units.js';
import { DESTINATION_ORDERINGS } from './types.js';

/**
 * The channel file's JSON Schema, assembled from the core sections and the connector
 * registries. It is the single description of a channel file: ajv validates with it,
 * `medibus schema` prints it, editors complete from the committed copy
 * (channels/channel.schema.json), and its `description`s are the reference docs — so every
 * property carries one, plus a `default` or `examples`.
 */

/**
 * Draft-07 on purpose: it is what editors' YAML support (yaml-language-server, so VS Code,
 * IntelliJ, Neovim) fully understands; 2019-09/2020-12 support there is partial. `$defs`
 * is still used for the shared definitions: `#/$defs/…` is a plain JSON Pointer that every
 * draft resolves, and it matches what connector specs already reference.
 */
const META_SCHEMA = 'http://json-schema.org/draft-07/schema#';

/** What the schema needs from a connector spec (sources and destinations alike). */
export interface ConnectorSchemaSpec {
  readonly type: string;
  readonly description: string;
  readonly configSchema: JsonSchema;
  /** destinations: whether this configuration sends the FHIR Bundle (then the channel needs transform.mapping) */
  readonly sendsBundle?: (config: never) => boolean;
}

export interface ConnectorSpecs {
  readonly sources: readonly ConnectorSchemaSpec[];
  readonly destinations: readonly ConnectorSchemaSpec[];
}

/** Channel ids name queues (`medibus.<id>.ingress`): lower case, and short enough for a DNS label. */
export const CHANNEL_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

/** Keys every destination has; a destination connector's own `configSchema` must not declare them. */
const destinationCommon = {
  name: {
    type: 'string',
    pattern: CHANNEL_ID_PATTERN,
    description: 'Names the destination in queue names (medibus.<channel>.<name>), logs and the dashboard; unique within the channel.',
    examples: ['emr', 'central-repository'],
  },
  ordering: {
    enum: [...DESTINATION_ORDERINGS],
    description:
      'patient: a failing message holds its partition (the same patient\'s next message waits) while it is retried in place; ' +
      'none: failures go to retry queues with a delay and later messages overtake them. ADT feeds want patient; most result feeds can take none.',
    default: 'patient',
  },
  retry: {
    $ref: '#/$defs/retry',
    description: 'How failed deliveries are retried before the message is dead-lettered with its reason.',
    default: {},
  },
} as const satisfies Record<string, JsonSchema>;

const defs = {
  ...unitDefs,
  retry: {
    type: 'object',
    additionalProperties: false,
    description: 'Retry with exponential backoff: delay n = initialDelay × backoffCoefficientⁿ⁻¹, capped at maxDelay. Permanent failures (4xx, AR, invalid resource) are not retried.',
    properties: {
      maxAttempts: { type: 'integer', minimum: 1, description: 'Attempts in all, the first included; after the last failure the message is dead-lettered.', default: 8 },
      initialDelay: { $ref: '#/$defs/duration', description: 'Delay before the second attempt.', default: '1s' },
      maxDelay: { $ref: '#/$defs/duration', description: 'Longest delay between two attempts, a destination\'s Retry-After included; must not be shorter than initialDelay.', default: '10m' },
      backoffCoefficient: { type: 'number', minimum: 1, description: 'Factor by which the delay grows after each failed attempt (1 = constant delay).', default: 2 },
    },
  },
} as const satisfies Record<string, JsonSchema>;

/** A discriminated union on `type`: ajv's `discriminator` reports one clear error instead of one per branch. */
function union(branches: JsonSchema[], description: string, examples: JsonSchema[]): JsonSchema {
  return { type: 'object', description, discriminator: { propertyName: 'type' }, oneOf: branches, examples };
}

/** `{ type, <each required key>: its first example or default }`, so the docs show a minimal working block per connector. */
function minimalExample(spec: ConnectorSchemaSpec, before: JsonSchema = {}): JsonSchema {
  const properties = (spec.configSchema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const required = Array.isArray(spec.configSchema['required']) ? (spec.configSchema['required'] as string[]) : [];
  const values = required.map((key) => {
    const property = properties[key] ?? {};
    const examples = property['examples'];
    return [key, Array.isArray(examples) ? examples[0] : property['default']] as const;
  });
  return { ...before, type: spec.type, ...Object.fromEntries(values) };
}

function branch(kind: string, spec: ConnectorSchemaSpec, common: Record<string, JsonSchema>, commonRequired: string[]): JsonSchema {
  const own = spec.configSchema;
  const properties = (own['properties'] ?? {}) as Record<string, JsonSchema>;
  for (const key of ['type', ...Object.keys(common)]) {
    if (key in properties) throw new Error(`${kind} connector "${spec.type}" declares the reserved key "${key}"`);
  }
  const required = Array.isArray(own['required']) ? (own['required'] as string[]) : [];
  return {
    title: spec.type,
    description: spec.description,
    ...own,
    required: [...commonRequired, 'type', ...required],
    properties: {
      ...(commonRequired.includes('name') ? { name: common['name'] } : {}),
      type: { const: spec.type, description: spec.description },
      ...properties,
      ...Object.fromEntries(Object.entries(common).filter(([key]) => key !== 'name')),
    },
  };
}

function sourceSchema(specs: readonly ConnectorSchemaSpec[]): JsonSchema {
  if (specs.length === 0) throw new Error('no source connector is registered');
  return union(
    specs.map((spec) => branch('source', spec, {}, [])),
    `Where messages come from; type picks the connector (${specs.map((s) => s.type).join(', ')}), the other keys are that connector's.`,
    specs.map((spec) => minimalExample(spec)),
  );
}

function destinationsSchema(specs: readonly ConnectorSchemaSpec[]): JsonSchema {
  const description = 'Where the FHIR Bundle of each message is delivered. Every destination has its own queue, retries and dead-letter queue, so one failing system does not hold up the others.';
  if (specs.length === 0) {
    // `oneOf: []` is not a valid schema; with no connector registered, no destination can be valid.
    return { type: 'array', maxItems: 0, default: [], description: `${description} (No destination connector is registered in this build.)` };
  }
  return {
    type: 'array',
    default: [],
    description,
    items: union(
      specs.map((spec) => branch('destination', spec, destinationCommon, ['name'])),
      'One destination; type picks the connector, the other keys are common (name, ordering, retry) or the connector\'s own.',
      specs.map((spec) => minimalExample(spec, { name: 'emr' })),
    ),
  };
}

/** the connectors medibus ships (tests pass their own) */
export const DEFAULT_SPECS: ConnectorSpecs = { sources: sourceSpecs, destinations: destinationSpecs };

export function buildChannelSchema(specs: ConnectorSpecs = DEFAULT_SPECS): JsonSchema {
  return {
    $schema: META_SCHEMA,
    title: 'medibus channel',
    description:
      'One interface: a source, an optional filter and mapping, and destinations. ' +
      'Any value may read the environment with ${VAR} or ${VAR:-default} ($${ writes a literal ${); ' +
      'credentials (passwords, tokens, client secrets) always come from the environment this way and are never written in a channel file. ' +
      'Durations are integer milliseconds or 500ms, 30s, 5m, 1h; sizes are integer bytes or 512KiB, 16MiB (kB, MB, GB are decimal).',
    type: 'object',
    additionalProperties: false,
    required: ['id', 'source'],
    properties: {
      id: {
        type: 'string',
        pattern: CHANNEL_ID_PATTERN,
        description: 'Unique name of the channel: lower-case letters, digits and dashes, at most 63 characters. It names the channel\'s queues, so renaming a channel abandons its queued messages.',
        examples: ['adt-from-his', 'lab-results-from-lis'],
      },
      description: { type: 'string', description: 'What this interface is, for people reading the file and the dashboard.', examples: ['ADT feed from the HIS'] },
      enabled: { type: 'boolean', description: 'false keeps the channel in the repository, validated, but not started.', default: true },
      optional: {
        type: 'boolean',
        description: 'true lets medibus start without this channel when its source cannot start (a port already in use): the others run and this one is reported as down. By default (absent or false) a channel that cannot start stops the whole start.',
        examples: [true],
      },
      source: sourceSchema(specs.sources),
      ordering: {
        type: 'object',
        additionalProperties: false,
        description: 'Per-patient order: messages with the same ordering key are processed one after another, in the order received; different keys run in parallel.',
        default: {},
        properties: {
          key: {
            type: 'string',
            description: 'HL7 v2 path of the ordering key, SEG-field[repetition].component (checked by medibus validate). The default is the first patient identifier (PID-3, HL7 v2.5.1 §3.4.2.3).',
            default: 'PID-3[1]',
            examples: ['PID-3[1].1', 'PV1-19'],
          },
          partitions: {
            type: 'integer',
            minimum: 1,
            maximum: 64,
            description: 'Number of partition queues; messages go to one by a hash of their ordering key. Changing it moves patients to other partitions: drain the channel first.',
            default: 4,
          },
        },
      },
      filter: {
        type: 'object',
        additionalProperties: false,
        description: 'Which messages the channel transforms; the others are acknowledged and recorded as filtered.',
        examples: [{ messageTypes: ['ADT^A01', 'ADT^A08'] }],
        properties: {
          messageTypes: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            description: 'Accepted MSH-9 message type ^ trigger event pairs; ADT^* accepts every ADT event.',
            examples: [['ADT^A01', 'ADT^A08'], ['ORU^R01'], ['ADT^*']],
            items: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}\\^([A-Z0-9]{3}|\\*)$', description: 'A message type and trigger event, e.g. ADT^A01.', examples: ['ORU^R01'] },
          },
          when: { type: 'string', minLength: 1, description: 'A condition on the message in the mapping language; messages for which it is false are filtered.', examples: ["PV1-2 = 'I'"] },
        },
      },
      transform: {
        type: 'object',
        additionalProperties: false,
        required: ['mapping'],
        description: 'How a message becomes a FHIR R4 transaction Bundle.',
        examples: [{ mapping: 'adt' }],
        properties: {
          mapping: { type: 'string', minLength: 1, description: 'Name of the mapping in mappings/, without .yaml.', examples: ['adt', 'oru-r01'] },
          validate: { type: 'boolean', default: true, description: 'Check every produced resource against the FHIR R4 profiles; an invalid one parks the message in the failed queue with the FHIR path and reason.' },
          timezone: { type: 'string', minLength: 1, description: 'Time zone of the sender for HL7 times without an offset (FHIR needs one once hours are given): an IANA zone or a fixed offset. Default UTC.', examples: ['Asia/Ho_Chi_Minh', '+07:00'] },
        },
      },
      destinations: destinationsSchema(specs.destinations),
      store: {
        type: 'object',
        additionalProperties: false,
        description: 'What the message store keeps of this channel\'s messages (docs/store.md). The history of every message is kept in every mode.',
        default: {},
        properties: {
          content: {
            enum: ['full', 'metadata', 'none'],
            default: 'full',
            description: 'full: the history, the payload as received (HL7, DICOM metadata without pixel data, CSV rows) and the FHIR Bundle; metadata: the history and a keyed hash of the patient identifiers (searchable, not readable); none: the history only.',
          },
          retention: {
            type: 'string',
            pattern: '^[1-9][0-9]{0,4}[hd]$',
            default: '30d',
            description: 'How long stored messages are kept after they were received, in hours or days; older ones are pruned in small batches.',
            examples: ['30d', '7d', '48h'],
          },
        },
      },
      log: {
        type: 'object',
        additionalProperties: false,
        description: 'Logging of this channel.',
        default: {},
        properties: {
          debug: { type: 'boolean', description: 'true writes message bodies, which identify patients, to the separate debug log; the operational log never has them.', default: false },
        },
      },
      tests: {
        type: 'array',
        description: 'Examples run by medibus test: each input is fed through the filter and mapping, and each expectation checked on the result.',
        default: [],
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['input', 'expect'],
          description: 'One test case.',
          properties: {
            input: { type: 'string', minLength: 1, description: 'HL7 v2 message file, relative to this channel file.', examples: ['../fixtures/hl7/adt-a01.hl7'] },
            name: { type: 'string', description: 'Name shown in the test report; the input file name otherwise.', examples: ['admission with two identifiers'] },
            expect: {
              type: 'array',
              minItems: 1,
              description: 'What the resulting Bundle must contain.',
              examples: [[{ path: 'Patient.name.family', equals: 'Nguyễn' }, { path: 'Observation', count: 3 }]],
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['path'],
                description: 'One expectation: a FHIRPath expression and at least one of equals, exists, count.',
                properties: {
                  path: { type: 'string', minLength: 1, description: 'FHIRPath expression evaluated on the resources of the resulting Bundle.', examples: ['Patient.name.family'] },
                  equals: { description: 'The value the expression must yield (a single value, compared as JSON).', examples: ['Nguyễn', 13.2] },
                  exists: { type: 'boolean', description: 'Whether the expression must yield something (true) or nothing (false).', examples: [true] },
                  count: { type: 'integer', minimum: 0, description: 'How many values the expression must yield.', examples: [1] },
                },
              },
            },
          },
        },
      },
    },
    $defs: defs,
  };
}
