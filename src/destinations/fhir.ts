/**
 * The fhir destination: POSTs each message's transaction Bundle to a FHIR R4 server's base
 * URL (FHIR R4 http.html#transaction) and checks the transaction-response entry by entry.
 * Statuses are classified in http-errors.ts, credentials in auth.ts.
 */
import { HttpEndpoint, httpTargetProperties, type HttpTargetConfig } from './http-endpoint.js';
import { DeliveryError } from './delivery-error.js';
import { withoutEcho } from './echo.js';
import { deliverMergingStudies, hasImagingStudy } from './fhir-study-merge.js';
import { isSuccess, isTransientStatus, outcomeSummary, parseJson } from './http-errors.js';
import type { Destination, DestinationContext, DestinationSpec, OutboundMessage } from './types.js';
import type { Bundle } from '@medplum/fhirtypes';
import { isRecord } from '../util/objects.js';

export interface FhirDestinationConfig extends HttpTargetConfig {
  readonly prefer: 'minimal' | 'representation' | 'OperationOutcome';
  readonly merge: 'none' | 'imagingstudy';
}

// timeout before prefer: the order of the keys in "expected one of" messages
const { timeout, ...otherTargetProperties } = httpTargetProperties;

export const fhirDestination: DestinationSpec<FhirDestinationConfig> = {
  type: 'fhir',
  description:
    'POSTs the message\'s FHIR R4 transaction Bundle to a FHIR server (the EMR, a central repository) and succeeds when every entry of the transaction-response is 2xx. ' +
    '408, 429, 5xx and network failures are retried (honouring Retry-After); 401/403 are retried as auth failures; other 4xx dead-letter the message with the server\'s OperationOutcome.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: {
        type: 'string',
        pattern: '^https?://[^\\s/?#]+',
        description: 'Base URL of the FHIR R4 server; the transaction is POSTed to it as is (FHIR http.html#transaction). Usually ${EMR_FHIR_URL}.',
        examples: ['${EMR_FHIR_URL}', 'https://emr.example.org/fhir/R4'],
      },
      timeout,
      prefer: {
        enum: ['minimal', 'representation', 'OperationOutcome'],
        description: 'Sent as Prefer: return=<value> (FHIR http.html#ops). minimal spares the server echoing every resource back; medibus only reads the entry statuses.',
        default: 'minimal',
      },
      merge: {
        enum: ['none', 'imagingstudy'],
        description:
          'imagingstudy: an ImagingStudy entry is joined with the one the server holds instead of replacing it, so that the objects of a DICOM study, arriving one per message in any order and through several medibus processes, end as ONE ImagingStudy with every series and instance. ' +
          'The study is found by its identifier (the StudyInstanceUID, urn:dicom:uid), created with If-None-Exist and updated with If-Match, re-read on a conflict; the other entries are POSTed first as a transaction. The server needs version-aware updates and an atomic conditional create (docs/dicom-study-merge.md). none: the Bundle is POSTed as it is.',
        default: 'none',
      },
      ...otherTargetProperties,
    },
  },
  sendsBundle: () => true,
  create(config: FhirDestinationConfig, context: DestinationContext): Destination {
    return new FhirDestination(config, context);
  },
};

class FhirDestination implements Destination {
  readonly #endpoint: HttpEndpoint;
  readonly #merge: FhirDestinationConfig['merge'];

  constructor(config: FhirDestinationConfig, context: DestinationContext) {
    this.#merge = config.merge;
    this.#endpoint = new HttpEndpoint(
      {
        // `[base]` without a trailing slash: some servers redirect `/fhir/` to `/fhir`, and a
        // redirected POST would be a rejected delivery.
        ...config,
        url: new URL(config.url.replace(/\/+$/, '')),
        type: 'fhir',
        peer: 'FHIR server',
        fixed: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', prefer: `return=${config.prefer}` },
      },
      context,
    );
  }

  async deliver(message: OutboundMessage, signal: AbortSignal): Promise<void> {
    const endpoint = this.#endpoint;
    const bundle = requireTransaction(message);
    try {
      const parsed = this.#merge === 'imagingstudy' ? message.bundle : undefined;
      if (parsed !== undefined && message.bundleType === 'transaction' && hasImagingStudy(parsed)) {
        const post = (rest: Bundle, s: AbortSignal): Promise<unknown> => this.#post(message, Buffer.from(JSON.stringify(rest), 'utf8'), rest.entry?.length ?? 0, s);
        await deliverMergingStudies(endpoint, message, parsed, post, signal);
        return;
      }
      await this.#post(message, bundle, message.entries, signal);
    } catch (error) {
      // the server's OperationOutcome may quote the patient's data back (echo.ts)
      throw withoutEcho(error, bundle);
    }
  }

  /** POSTs a transaction or batch, checks its entries; resolves with the response Bundle */
  async #post(message: OutboundMessage, body: Buffer, entries: number, signal: AbortSignal): Promise<unknown> {
    const endpoint = this.#endpoint;
    // X-Request-Id (FHIR http.html#custom) lets the server's audit log be matched with ours
    const response = await endpoint.post(message.messageId, body, { 'x-request-id': message.messageId }, signal);
    const checked = checkEntries(endpoint.who, response.body, entries);
    if (checked.warning !== undefined) endpoint.log.warn({ messageId: message.messageId, status: response.status }, checked.warning);
    if (checked.error !== undefined) throw checked.error;
    return parseJson(response.body);
  }

  close(): Promise<void> {
    return this.#endpoint.close();
  }
}

/**
 * Only `transaction` (all or nothing) and `batch` Bundles can be POSTed to the base; any
 * other Bundle would be stored as a document, which is not what a mapping meant.
 */
function requireTransaction(message: OutboundMessage): Buffer {
  if (message.bundleJson === undefined) {
    throw new DeliveryError(
      'MEDIBUS_ERR_DELIVERY_REJECTED',
      'the message has no FHIR Bundle: a fhir destination needs a channel with transform.mapping (use an mllp, amqp or file destination to forward HL7 v2 as is)',
    );
  }
  if (message.bundleType !== 'transaction' && message.bundleType !== 'batch') {
    throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', `the mapping produced a Bundle of type "${message.bundleType ?? '(none)'}"; a FHIR server takes only transaction or batch Bundles at its base URL`);
  }
  return message.bundleJson;
}

/*
 * Reading a 2xx answer (FHIR R4 http.html#transaction-response): a Bundle of type
 * transaction-response / batch-response with one entry per request entry, in the same order,
 * each with `response.status`. A transaction is all-or-nothing, so a 2xx transaction-response
 * should only ever hold 2xx entries; a batch's entries succeed or fail one by one. Either way
 * every entry is checked: "the server said 200" is not "the server stored every resource".
 */
interface EntryCheck {
  /** some entry failed: the delivery did not (fully) happen */
  readonly error?: DeliveryError;
  /** the answer could not be checked, or looks odd; the delivery still counts as done */
  readonly warning?: string;
}

interface Failure {
  readonly status: number | undefined;
  readonly text: string;
}

const RESPONSE_TYPES = new Set(['transaction-response', 'batch-response']);

/**
 * `sent` is the number of entries POSTed. A 2xx whose body is not a response Bundle (an
 * empty body from a proxy, say) is accepted with a warning: the server did say 2xx, and
 * the conditional requests make a later replay harmless if it lied.
 */
function checkEntries(who: string, body: Buffer, sent: number): EntryCheck {
  const json = parseJson(body);
  if (!isRecord(json) || json['resourceType'] !== 'Bundle' || typeof json['type'] !== 'string' || !RESPONSE_TYPES.has(json['type'])) {
    return { warning: `${who} answered 2xx without a transaction-response Bundle; entry statuses not checked` };
  }
  const entries = Array.isArray(json['entry']) ? (json['entry'] as unknown[]) : [];
  const failures: Failure[] = [];
  entries.forEach((entry, index) => {
    const response = isRecord(entry) && isRecord(entry['response']) ? entry['response'] : undefined;
    const raw = response?.['status'];
    const status = typeof raw === 'string' ? statusCode(raw) : undefined;
    if (status !== undefined && isSuccess(status)) return;
    const said = outcomeSummary(response?.['outcome']);
    const shown = typeof raw === 'string' ? raw.trim().slice(0, 40) : 'no response.status';
    failures.push({ status, text: `entry ${index}: ${shown}${said === undefined ? '' : ` (${said})`}` });
  });
  const warning = entries.length === sent ? undefined : `${who} answered ${entries.length} entries for the ${sent} sent (FHIR requires one per request entry)`;
  if (failures.length === 0) return warning === undefined ? {} : { warning };
  return { error: entriesError(who, String(json['type']), failures), ...(warning === undefined ? {} : { warning }) };
}

/**
 * An entry status is read like a response status: 408/429/5xx may pass on a later try,
 * anything else (a 4xx, a missing or unreadable status) will not.
 */
function entriesError(who: string, type: string, failures: readonly Failure[]): DeliveryError {
  const transient = failures.every((f) => f.status !== undefined && isTransientStatus(f.status));
  const shown = failures.slice(0, 5).map((f) => f.text);
  const more = failures.length > shown.length ? `; and ${failures.length - shown.length} more` : '';
  return new DeliveryError(
    transient ? 'MEDIBUS_ERR_DELIVERY_TRANSIENT' : 'MEDIBUS_ERR_DELIVERY_REJECTED',
    `${who} answered 2xx but the ${type} has ${failures.length} failed ${failures.length === 1 ? 'entry' : 'entries'}: ${shown.join('; ')}${more}`,
  );
}

/** `201 Created`, `201`, `HTTP/1.1 201 Created` → 201 */
function statusCode(text: string): number | undefined {
  const match = /^\s*(?:HTTP\/\S+\s+)?([1-5][0-9]{2})\b/.exec(text);
  return match === null ? undefined : Number(match[1]);
}
