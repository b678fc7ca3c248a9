/**
 * OAuth2 client-credentials grant (RFC 6749 §4.4) for the HTTP destinations.
 *
 * The token is cached until shortly before `expires_in` runs out (§5.1), so a busy channel
 * asks the authorization server once per token lifetime, not once per message; deliveries
 * that need a token while one is being fetched wait for that same request. A 401 from the
 * resource server drops the token it was given (a revoked or early-expired token), and the
 * next request fetches a new one.
 */
import type { Logger } from '../log.js';
import { DeliveryError, untilAborted } from './delivery-error.js';
import { isSuccess, parseJson, responseError } from './http-errors.js';
import { safeUrl, type HttpTransport } from './http-request.js';
import { isRecord } from '../util/objects.js';

export interface OAuth2Config {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string;
  readonly clientAuthentication: 'basic' | 'body';
}

interface Token {
  /** the Authorization header value */
  readonly header: string;
  /** ms since epoch after which the token is not used; undefined: until a 401 */
  readonly refreshAt: number | undefined;
}

/** refresh this long before expiry (or a tenth of the lifetime, if shorter), so no request carries a token that expires in flight */
const REFRESH_MARGIN_MS = 30_000;

export class OAuth2Client {
  readonly #url: URL;
  readonly #log: Logger;
  #token: Token | undefined;
  #pending: Promise<Token> | undefined;
  /** aborts a token request still running at close() */
  readonly #closing = new AbortController();

  constructor(
    private readonly config: OAuth2Config,
    private readonly transport: HttpTransport,
    private readonly timeoutMs: number,
    log: Logger,
  ) {
    this.#url = new URL(config.tokenUrl);
    this.#log = log.child({ tokenUrl: safeUrl(this.#url) });
  }

  /** `Bearer <token>`, fetching a token first when none is valid */
  async authorization(signal: AbortSignal): Promise<string> {
    const token = this.#token;
    if (token !== undefined && (token.refreshAt === undefined || Date.now() < token.refreshAt)) return token.header;
    // One request for everyone waiting; it is not tied to the first caller's signal, so that
    // caller giving up does not fail the others. Each caller still stops waiting on its own abort.
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return (await untilAborted(this.#pending, signal, `OAuth2 token request to ${safeUrl(this.#url)}`)).header;
  }

  /** after a 401 with `used`: drop that token (not a newer one another delivery already fetched) */
  invalidate(used: string): boolean {
    if (this.#token?.header === used) this.#token = undefined;
    return true;
  }

  close(): void {
    this.#closing.abort();
  }

  async #fetch(): Promise<Token> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.config.scope !== undefined) form.set('scope', this.config.scope);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (this.config.clientAuthentication === 'basic') {
      // RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding
      const pair = `${formEncode(this.config.clientId)}:${formEncode(this.config.clientSecret)}`;
      headers['authorization'] = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', this.config.clientId);
      form.set('client_secret', this.config.clientSecret);
    }
    const started = Date.now();
    const response = await this.transport.post({
      url: this.#url,
      headers,
      body: Buffer.from(form.toString(), 'utf8'),
      timeoutMs: this.timeoutMs,
      signal: this.#closing.signal,
    });
    const who = `token endpoint ${safeUrl(this.#url)}`;
    if (!isSuccess(response.status)) {
      // RFC 6749 §5.2: 400/401 with {"error":"invalid_client"…} means the credentials are
      // wrong: that is an auth failure, whatever the status; 429/5xx stay transient.
      const error = responseError(who, response);
      if (response.status === 400 || response.status === 401) {
        this.#log.warn({ status: response.status }, 'OAuth2 token request refused');
        throw new DeliveryError('MEDIBUS_ERR_DELIVERY_AUTH', error.message, { status: response.status });
      }
      throw error;
    }
    const token = readToken(parseJson(response.body), started, who);
    this.#token = token;
    this.#log.info({ expiresInS: token.refreshAt === undefined ? null : Math.round((token.refreshAt - started) / 1000) }, 'OAuth2 access token obtained');
    return token;
  }
}

/**
 * RFC 6749 §5.1: access_token and token_type required; expires_in recommended. The body is
 * never quoted in an error: it may hold a token.
 */
function readToken(json: unknown, started: number, who: string): Token {
  const bad = (why: string): DeliveryError => new DeliveryError('MEDIBUS_ERR_DELIVERY_AUTH', `${who} answered 2xx but ${why}`);
  if (!isRecord(json) || typeof json['access_token'] !== 'string' || json['access_token'] === '') throw bad('without an access_token');
  const type = json['token_type'];
  // Only bearer tokens (RFC 6750) can be sent as-is; the type is case-insensitive (§7.1).
  if (typeof type !== 'string' || type.toLowerCase() !== 'bearer') throw bad(`with token_type ${JSON.stringify(type)} instead of Bearer`);
  const expiresIn = Number(json['expires_in']);
  const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : undefined;
  const refreshAt = lifetime === undefined ? undefined : started + lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 10);
  return { header: `Bearer ${json['access_token']}`, refreshAt };
}

/** application/x-www-form-urlencoded of one value (RFC 6749 Appendix B) */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
