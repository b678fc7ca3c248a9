/**
 * The HTTP client of the fhir and http destinations (and of their OAuth2 token requests).
 *
 * node:http with a keep-alive Agent rather than the global fetch: on this machine a local
 * FHIR-sized POST ran at 5–13k req/s through node:http against 0.6–2.3k through Node 20's
 * fetch, and node:https takes `ca` and `rejectUnauthorized` directly, which fetch can only
 * do through the undici package (not a dependency). Every failure before a status line
 * (refused, reset, DNS, TLS, timeout) is MEDIBUS_ERR_DELIVERY_TRANSIENT: the next attempt
 * may well get through.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { silentLogger, type Logger } from '../log.js';
import { createTlsClient, type TlsClient, type TlsConfig } from '../tls/index.js';
import type { JsonSchema } from '../util/json-schema.js';
import { abortError, DeliveryError } from './delivery-error.js';

/** RFC 9110 §5.1 field names: tokens */
export const headersSchema = {
  type: 'object',
  description: 'Extra request headers (e.g. a tenant or an API-gateway key; a secret value comes from ${VAR}). Content-Type, Accept and Prefer are set by medibus and win over these; so does Authorization when auth is set.',
  default: {},
  examples: [{ 'X-Tenant': 'bach-mai', 'X-Api-Key': '${EMR_API_KEY}' }],
  propertyNames: { pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" },
  // RFC 9110 §5.5: field values are visible ASCII (and obs-text), no line breaks
  additionalProperties: { type: 'string', pattern: '^[\\t\\x20-\\x7e\\x80-\\xff]*$' },
} as const satisfies JsonSchema;

export interface HttpRequest {
  /** POST unless said otherwise (the fhir destination's study merge reads and updates too) */
  readonly method?: 'GET' | 'POST' | 'PUT';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** whole exchange, connect to last byte of the answer */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  /** at most MAX_RESPONSE bytes; the rest is read and dropped */
  readonly body: Buffer;
}

/** transaction-responses are small with return=minimal; a huge answer is not kept in memory */
const MAX_RESPONSE = 8 * 1024 * 1024;

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  ETIMEDOUT: 'TCP connect timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** `https://host:port/path` without user info or query, which may hold secrets */
export function safeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Header names are case-insensitive (RFC 9110 §5.1): lower-cased so that the connector's own replace any the channel wrote. */
export function lowerCased(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

export class HttpTransport {
  readonly #http = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  #https: HttpsAgent;
  readonly #tls: TlsClient | undefined;

  /**
   * `tls` as the channel wrote it; `owner` names the destination in TLS logs. With files
   * (ca, client cert) they are watched: a renewed client certificate gets a new agent, and the
   * old one is closed as its requests finish.
   */
  constructor(tls: TlsConfig = {}, owner?: { readonly name: string; readonly log: Logger }) {
    const needsFiles = tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined || tls.allowedSubjects !== undefined || tls.servername !== undefined;
    this.#tls = needsFiles ? createTlsClient(tls, owner ?? { name: 'https', log: silentLogger }) : undefined;
    this.#https = this.#agent(tls);
    this.#tls?.onChange(() => {
      const old = this.#https;
      this.#https = this.#agent(tls);
      retire(old);
    });
  }

  #agent(tls: TlsConfig): HttpsAgent {
    const options = this.#tls?.connectOptions() ?? { rejectUnauthorized: tls.rejectUnauthorized ?? true };
    return new HttpsAgent({ keepAlive: true, maxSockets: 64, ...options });
  }

  /** sends the request (POST by default) and resolves with any status; rejects only when no answer came */
  async post(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.#once(req);
    } catch (error) {
      // Node's documented pattern (http, request.reusedSocket): a kept-alive socket the
      // server closed just as we reused it fails with ECONNRESET before anything was
      // answered; one immediate retry on a fresh socket spares a backoff. At worst the
      // server had the request after all: conditional FHIR requests and the webhook's
      // Idempotency-Key make the duplicate harmless.
      if (error instanceof StaleSocket) return this.#once(req);
      throw error;
    }
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
    this.#tls?.close();
  }

  #once(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method ?? 'POST';
    const where = `${method} ${safeUrl(req.url)}`;
    const isHttps = req.url.protocol === 'https:';
    return new Promise<HttpResponse>((resolve, reject) => {
      if (req.signal.aborted) return reject(abortError(where));
      const send = isHttps ? httpsRequest : httpRequest;
      const headers = { ...req.headers, 'content-length': String(req.body.length) };
      let r: ClientRequest;
      try {
        r = send(req.url, { method, headers, agent: isHttps ? this.#https : this.#http });
      } catch (error) {
        // Node refuses a header value it cannot send (a line break or non-Latin-1 character in
        // a token from the environment); retried, because fixing the environment cures it.
        return reject(new DeliveryError('MEDIBUS_ERR_DELIVERY_TRANSIENT', `${where}: cannot send the request: ${(error as Error).message}`, { cause: error }));
      }
      let answered = false;
      let settled = false;
      const timer = setTimeout(() => fail(new DeliveryError('MEDIBUS_ERR_DELIVERY_TRANSIENT', `${where}: no complete answer within ${req.timeoutMs} ms`)), req.timeoutMs);
      const onAbort = (): void => fail(abortError(where));
      req.signal.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        clearTimeout(timer);
        req.signal.removeEventListener('abort', onAbort);
      };
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        cleanup();
        r.destroy();
        reject(error);
      };
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (!answered && r.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return fail(new StaleSocket());
        fail(networkError(where, err));
      });
      r.on('response', (res: IncomingMessage) => {
        answered = true;
        void readBody(res).then(
          (body) => {
            if (settled) return;
            settled = true;
            cleanup();
            resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body });
          },
          (err: unknown) => fail(networkError(where, err as NodeJS.ErrnoException)),
        );
      });
      r.end(req.body);
    });
  }
}

class StaleSocket extends Error {}

function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size + chunk.length <= MAX_RESPONSE) chunks.push(chunk);
      size += chunk.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
    // a connection closed mid-answer ends the stream without 'end' or 'error' in some versions
    res.on('close', () => {
      if (!res.complete) reject(Object.assign(new Error('answer cut off'), { code: 'ECONNRESET' }));
    });
  });
}

function networkError(where: string, err: NodeJS.ErrnoException): DeliveryError {
  const code = err.code ?? '';
  const text = ERRNO_TEXT[code] ?? err.message;
  return new DeliveryError('MEDIBUS_ERR_DELIVERY_TRANSIENT', `${where}: ${text}${code !== '' && !text.includes(code) ? ` (${code})` : ''}`, { cause: err });
}

/**
 * Closes an agent replaced after a certificate reload without cutting a request: its idle
 * kept-alive sockets now, the busy ones once they are handed back.
 */
function retire(agent: HttpsAgent): void {
  const sweep = (): boolean => {
    for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    const busy = Object.values(agent.sockets).some((sockets) => (sockets?.length ?? 0) > 0);
    if (!busy) agent.destroy();
    return !busy;
  };
  if (sweep()) return;
  const timer = setInterval(() => {
    if (sweep()) clearInterval(timer);
  }, 1000);
  timer.unref();
}
