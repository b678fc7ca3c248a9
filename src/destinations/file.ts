/**
 * The file destination: appends one NDJSON line per message (for an archive, a data-lake
 * drop, or a system that picks files up), flushed to disk before the delivery counts.
 * Writing and rotation are file-writer.ts; this file decides what a line holds.
 */
import { MedibusError } from '../errors.js';
import type { Logger } from '../log.js';
import { AT_REST_ENV, loadSealer, type Sealer } from '../util/at-rest.js';
import { abortError, DeliveryError } from './delivery-error.js';
import { RotatingFile } from './file-writer.js';
import { jsonWithBundle, messageHead, type Destination, type DestinationContext, type DestinationSpec, type OutboundMessage } from './types.js';

export type FilePayload = 'envelope' | 'bundle' | 'hl7';

export interface FileDestinationConfig {
  readonly path: string;
  readonly payload: FilePayload;
  readonly fsync: boolean;
  /** bytes */
  readonly maxSize: number;
  readonly maxFiles: number;
  /** true: seal every line (a key is required); false: never; absent: when a key is configured */
  readonly encrypt?: boolean;
}

export const fileDestination: DestinationSpec<FileDestinationConfig> = {
  type: 'file',
  description:
    'Appends one JSON line per message to a file (NDJSON), flushed to disk before the message counts as delivered, and rotated by size. ' +
    'A write error (disk full, permissions) is retried.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description: 'File to append to; relative paths are relative to the directory medibus runs in. Missing directories are created. One medibus process per file: two writing the same file would interleave.',
        examples: ['/var/lib/medibus/archive/adt.ndjson', 'out/lab.ndjson'],
      },
      payload: {
        enum: ['envelope', 'bundle', 'hl7'],
        description:
          'What each line holds. envelope: { messageId, channel, controlId, messageType, receivedAt, charset, hl7, bundle } (bundle when the channel maps); ' +
          'bundle: the FHIR Bundle alone, one Bundle per line (the channel needs a transform); ' +
          'hl7: { messageId, channel, controlId, messageType, receivedAt, hl7 }.',
        default: 'envelope',
      },
      fsync: {
        type: 'boolean',
        description: 'Flush every line to disk (fdatasync) before the delivery counts, so a power cut loses nothing that was acknowledged. false is faster and may lose the last seconds.',
        default: true,
      },
      maxSize: { $ref: '#/$defs/size', description: 'Size at which the file is rotated: out.ndjson becomes out.1.ndjson (out.1 becomes out.2, …) and a new out.ndjson is started.', default: '100MiB' },
      maxFiles: { type: 'integer', minimum: 0, maximum: 10000, description: 'Rotated files kept besides the current one; the oldest beyond this are deleted (0 keeps none).', default: 10 },
      encrypt: {
        type: 'boolean',
        description:
          `Seal every line with AES-256-GCM under the key in ${AT_REST_ENV.key} or ${AT_REST_ENV.keyFile} (README, "Encryption at rest"): the line is then the base64 of the sealed JSON, read back with medibus unseal FILE. ` +
          'true requires a key (medibus does not start without one); false writes clear text even when a key is set; by default lines are sealed exactly when a key is configured.',
        examples: [true],
      },
    },
  },
  sendsBundle: (config) => config.payload === 'bundle',
  create(config: FileDestinationConfig, context: DestinationContext): Destination {
    return new FileDestination(config, context);
  },
};

const NEWLINE = Buffer.from('\n', 'utf8');

/**
 * The line for a message, newline included. JSON escapes \r and \n (and the Bundle's JSON
 * is compact), so the HL7 segment separators cannot break the line.
 */
export function fileLine(message: OutboundMessage, payload: FilePayload): Buffer {
  let json: Buffer;
  switch (payload) {
    case 'envelope': {
      const head = { ...messageHead(message), charset: message.charset, hl7: message.hl7 };
      json = message.bundleJson === undefined ? Buffer.from(JSON.stringify(head), 'utf8') : jsonWithBundle(head, message.bundleJson);
      break;
    }
    case 'bundle':
      if (message.bundleJson === undefined) {
        throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', 'the message has no FHIR Bundle: payload: bundle needs a channel with transform.mapping (or set payload: envelope or hl7)');
      }
      json = message.bundleJson;
      break;
    case 'hl7':
      json = Buffer.from(JSON.stringify({ ...messageHead(message), hl7: message.hl7 }), 'utf8');
      break;
    default:
      return payload satisfies never;
  }
  return Buffer.concat([json, NEWLINE]);
}

class FileDestination implements Destination {
  readonly #config: FileDestinationConfig;
  readonly #file: RotatingFile;
  readonly #log: Logger;
  readonly #sealer: Sealer | undefined;

  constructor(config: FileDestinationConfig, context: DestinationContext, env: NodeJS.ProcessEnv = process.env) {
    this.#config = config;
    this.#sealer = fileSealer(config, env);
    this.#file = new RotatingFile(config.path, { maxSize: config.maxSize, maxFiles: config.maxFiles, fsync: config.fsync });
    this.#log = context.log.child({ destination: context.name, type: 'file', file: this.#file.file, sealed: this.#sealer !== undefined, ...(this.#sealer === undefined ? {} : { keyId: this.#sealer.keyId }) });
  }

  async deliver(message: OutboundMessage, signal: AbortSignal): Promise<void> {
    const plain = fileLine(message, this.#config.payload);
    const line = this.#sealer === undefined ? plain : sealedLine(this.#sealer, plain);
    let result: { rotated: boolean };
    try {
      // Once started, a write is not interrupted (it is short, and a half line is worse);
      // an abort while waiting for the writes before it skips it.
      result = await this.#file.append(line, () => {
        if (signal.aborted) throw abortError(this.#file.file);
      });
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      this.#log.warn({ messageId: message.messageId, errCode: code }, 'file write failed');
      // ENOSPC, EACCES, EROFS, EIO: the operator can free space or fix permissions, and the
      // message waits in its queue meanwhile.
      throw new DeliveryError('MEDIBUS_ERR_DELIVERY_TRANSIENT', `cannot append to ${this.#file.file}: ${code} (${describeErrno(code)})`, { cause: error });
    }
    if (result.rotated) this.#log.info({ rotatedTo: this.#file.rotated(1) }, 'file rotated');
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}

function fileSealer(config: FileDestinationConfig, env: NodeJS.ProcessEnv): Sealer | undefined {
  if (config.encrypt === false) return undefined;
  const sealer = loadSealer(env);
  if (config.encrypt === true && sealer === undefined) {
    throw new MedibusError('MEDIBUS_ERR_AT_REST_KEY', `file destination ${config.path}: encrypt: true needs a key in ${AT_REST_ENV.key} or ${AT_REST_ENV.keyFile} (make one with: openssl rand -base64 32)`);
  }
  return sealer;
}

/**
 * A sealed line: base64 (RFC 4648 §4, no line breaks) of the sealed JSON line without its
 * newline, so the file stays one record per line and rotation, tail and wc -l still work.
 */
export function sealedLine(sealer: Sealer, plainLine: Buffer): Buffer {
  return Buffer.from(`${sealer.seal(plainLine.subarray(0, plainLine.length - 1)).toString('base64')}\n`, 'latin1');
}

/** The JSON of one line of a file destination's file, sealed or not (what medibus unseal prints). */
export function openLine(line: string, sealer: Sealer | undefined): Buffer {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) return Buffer.from(trimmed, 'utf8');
  const bytes = Buffer.from(trimmed, 'base64');
  if (sealer === undefined) throw new MedibusError('MEDIBUS_ERR_AT_REST_KEY', `the line is sealed (key ${bytes.subarray(4, 8).toString('hex')}) and no key is configured: set ${AT_REST_ENV.key} or ${AT_REST_ENV.keyFile}`);
  return sealer.open(bytes);
}

function describeErrno(code: string): string {
  switch (code) {
    case 'ENOSPC':
      return 'disk full';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'EISDIR':
      return 'the path is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return 'file system error';
  }
}
