/**
 * One HTTP endpoint that a destination POSTs to (the fhir and http connectors): its URL, TLS
 * agent, credentials and fixed headers, and the rule they share — a non-2xx answer is a
 * DeliveryError classified by http-errors.ts, logged at debug without the body.
 */
import type { Logger } from '../log.js';
import { authSchema, createAuthorizer, sendAuthorized, type AuthConfig, type Authorizer } from './auth.js';
import { isSuccess, responseError } from './http-errors.js';
import { TLS_REF, type TlsConfig } from '../tls/index.js';
import { headersSchema, HttpTransport, lowerCased, safeUrl, type HttpResponse } from './http-request.js';
import type { DestinationContext } from './types.js';

/** The channel keys every HTTP destination has, besides its own. */
export interface HttpTargetConfig {
  readonly url: string;
  /** ms for the whole exchange */
  readonly timeout: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly auth?: AuthConfig;
  readonly tls: TlsConfig;
}

/** The schema of HttpTargetConfig's keys but `url`, whose description is the connector's. */
export const httpTargetProperties = {
  timeout: { $ref: '#/$defs/duration', description: 'Longest wait for the complete answer, connection included; past it the attempt is retried.', default: '30s' },
  headers: headersSchema,
  auth: authSchema,
  tls: {
    $ref: TLS_REF,
    description: 'TLS for https:// URLs: ca trusts a hospital CA instead of the system store; cert and key present a client certificate to a server that asks for one (mutual TLS); allowedSubjects pins the server\'s certificate subject. Without it the system trust store is used.',
    default: {},
  },
} as const;

export interface HttpEndpointOptions extends Omit<HttpTargetConfig, 'url'> {
  readonly url: URL;
  /** the connector's type, for the log */
  readonly type: string;
  /** what the peer is, for error texts: `FHIR server`, `webhook` */
  readonly peer: string;
  /** the connector's own headers; they replace the channel's of the same name */
  readonly fixed: Readonly<Record<string, string>>;
}

export class HttpEndpoint {
  /** `FHIR server https://host/fhir`: names the peer in errors, never with credentials */
  readonly who: string;
  readonly log: Logger;
  readonly #peer: string;
  readonly #url: URL;
  readonly #timeout: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #transport: HttpTransport;
  readonly #auth: Authorizer;

  constructor(options: HttpEndpointOptions, context: DestinationContext) {
    this.#peer = options.peer;
    this.#url = options.url;
    this.#timeout = options.timeout;
    this.who = `${options.peer} ${safeUrl(options.url)}`;
    this.log = context.log.child({ destination: context.name, type: options.type, url: safeUrl(options.url) });
    this.#transport = new HttpTransport(options.tls, { name: `channel ${context.channelId} destination ${context.name}`, log: this.log });
    this.#auth = createAuthorizer(options.auth, this.#transport, options.timeout, this.log);
    this.#headers = { ...lowerCased(options.headers), ...options.fixed };
  }

  /** POSTs `body`; resolves with a 2xx answer, throws the classified DeliveryError otherwise */
  async post(messageId: string, body: Buffer, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<HttpResponse> {
    const started = Date.now();
    return this.checked(messageId, await this.send('POST', '', body, headers, signal), started);
  }

  /**
   * Sends `method` to `path` below the URL (`ImagingStudy?identifier=…`) with the endpoint's
   * credentials and headers, and resolves with whatever status came back: the caller reads
   * 404, 409 and 412 itself.
   */
  async send(method: 'GET' | 'POST' | 'PUT', path: string, body: Buffer, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<HttpResponse> {
    const url = path === '' ? this.#url : new URL(`${this.#url.href.replace(/\/+$/, '')}/${path}`);
    return sendAuthorized(this.#transport, this.#auth, {
      method,
      url,
      headers: { ...this.#headers, ...headers },
      body,
      timeoutMs: this.#timeout,
      signal,
    });
  }

  /** `response` if 2xx, else the classified DeliveryError; logged at debug without the body */
  checked(messageId: string, response: HttpResponse, started: number): HttpResponse {
    const ms = Date.now() - started;
    if (!isSuccess(response.status)) {
      this.log.debug({ messageId, status: response.status, ms }, `${this.#peer} refused the message`);
      throw responseError(this.who, response);
    }
    this.log.debug({ messageId, status: response.status, ms }, `${this.#peer} accepted the message`);
    return response;
  }

  close(): Promise<void> {
    this.#auth.close();
    this.#transport.close();
    return Promise.resolve();
  }
}
