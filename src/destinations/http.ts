/**
 * The http destination: POSTs one JSON document per message to a webhook. Statuses are
 * classified as for the fhir destination (http-errors.ts); any 2xx is success.
 */
import { HttpEndpoint, httpTargetProperties, type HttpTargetConfig } from './http-endpoint.js';
import { DeliveryError } from './delivery-error.js';
import { jsonWithBundle, messageHead, type Destination, type DestinationContext, type DestinationSpec, type OutboundMessage } from './types.js';

export interface HttpDestinationConfig extends HttpTargetConfig {
  readonly payload: 'bundle' | 'hl7';
}

export const httpDestination: DestinationSpec<HttpDestinationConfig> = {
  type: 'http',
  description:
    'POSTs each message as JSON to a webhook: { messageId, channel, controlId, messageType, receivedAt, bundle } (or hl7 in place of bundle). ' +
    'Any 2xx is success; 408, 429, 5xx and network failures are retried (honouring Retry-After); 401/403 are retried as auth failures; other 4xx dead-letter the message.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: {
        type: 'string',
        pattern: '^https?://[^\\s/?#]+',
        description: 'URL the JSON is POSTed to. A secret in the URL (an API key in the query) must come from ${VAR}; it is never logged.',
        examples: ['${WEBHOOK_URL}', 'https://integration.example.org/hooks/adt'],
      },
      payload: {
        enum: ['bundle', 'hl7'],
        description: 'bundle: the FHIR Bundle under "bundle" (the channel needs a transform); hl7: the original HL7 v2 message as text under "hl7" (segments separated by \\r).',
        default: 'bundle',
      },
      ...httpTargetProperties,
    },
  },
  sendsBundle: (config) => config.payload === 'bundle',
  forwardsHl7: (config) => config.payload === 'hl7',
  create(config: HttpDestinationConfig, context: DestinationContext): Destination {
    return new HttpDestination(config, context);
  },
};

/** The JSON body: the message head (messageHead) and the Bundle or the HL7 text. */
export function webhookBody(message: OutboundMessage, payload: 'bundle' | 'hl7'): Buffer {
  const head = messageHead(message);
  switch (payload) {
    case 'bundle':
      if (message.bundleJson === undefined) {
        throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', 'the message has no FHIR Bundle: payload: bundle needs a channel with transform.mapping (or set payload: hl7)');
      }
      return jsonWithBundle(head, message.bundleJson);
    case 'hl7':
      return Buffer.from(JSON.stringify({ ...head, hl7: message.hl7 }), 'utf8');
    default:
      return payload satisfies never;
  }
}

class HttpDestination implements Destination {
  readonly #payload: HttpDestinationConfig['payload'];
  readonly #endpoint: HttpEndpoint;

  constructor(config: HttpDestinationConfig, context: DestinationContext) {
    this.#payload = config.payload;
    this.#endpoint = new HttpEndpoint(
      {
        ...config,
        url: new URL(config.url),
        type: 'http',
        peer: 'webhook',
        fixed: { 'content-type': 'application/json', accept: 'application/json' },
      },
      context,
    );
  }

  async deliver(message: OutboundMessage, signal: AbortSignal): Promise<void> {
    const body = webhookBody(message, this.#payload);
    // The same key on every retry and replay lets the receiver drop duplicates
    // (IETF draft-ietf-httpapi-idempotency-key-header).
    await this.#endpoint.post(message.messageId, body, { 'idempotency-key': message.messageId, 'x-request-id': message.messageId }, signal);
  }

  close(): Promise<void> {
    return this.#endpoint.close();
  }
}
