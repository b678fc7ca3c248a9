/**
 * How the HTTP destinations (fhir, http) turn an answer into the delivery contract of
 * types.ts: which statuses are worth retrying, how long the server asked us to wait, and
 * what the server said, in words an operator can act on but without message content.
 */
import { DeliveryError } from './delivery-error.js';
import type { HttpResponse } from './http-request.js';
import { isRecord } from '../util/objects.js';

/**
 * A server asking for a day's pause would hold a patient partition for that day; an hour
 * is the most we honour (the retry policy's own maxDelay still applies on top).
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Retry-After (RFC 9110 §10.2.3) is either delay-seconds or an HTTP-date; both are read,
 * anything else is ignored. Returns milliseconds from `now`, capped; undefined when absent.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^[0-9]+$/.test(text)) ms = Number(text) * 1000;
  else {
    // the three HTTP-date forms (IMF-fixdate, RFC 850, asctime) all start with the day name;
    // Date.parse alone would take "-5" for a year
    const date = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** what an error message may quote from a server's text, per item and in all */
const MAX_ITEM = 300;
const MAX_TEXT = 1000;

/** `text` on one line (runs of white space as one space), at most `max` characters with … */
export function cut(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

interface Issue {
  readonly severity?: unknown;
  readonly code?: unknown;
  readonly diagnostics?: unknown;
  readonly details?: { readonly text?: unknown };
  readonly expression?: unknown;
  readonly location?: unknown;
}

/**
 * An OperationOutcome's issues as `error invalid: <diagnostics> at <expression>`. Only the
 * issue fields are read: they describe the problem, whereas echoing the request would put
 * patient data into logs and dead-letter headers.
 */
export function outcomeSummary(outcome: unknown): string | undefined {
  if (!isRecord(outcome) || outcome['resourceType'] !== 'OperationOutcome' || !Array.isArray(outcome['issue'])) return undefined;
  const parts = (outcome['issue'] as Issue[]).filter(isRecord).map((issue: Issue) => {
    const text = str(issue.diagnostics) ?? str(issue.details?.text) ?? '';
    const paths = strings(issue.expression) ?? strings(issue.location);
    const where = paths === undefined ? '' : ` at ${paths.join(', ')}`;
    return cut(`${str(issue.severity) ?? 'error'} ${str(issue.code) ?? 'unknown'}${text === '' ? '' : `: ${text}`}${where}`, MAX_ITEM);
  });
  return parts.length === 0 ? undefined : cut(parts.join('; '), MAX_TEXT);
}

/**
 * What a non-2xx body says: an OperationOutcome's issues, or the `error`/`message` (and
 * OAuth2's `error_description`) of a JSON error object. Other bodies (HTML error pages,
 * plain text that may echo the request) are not quoted, only their size and type.
 */
export function describeBody(body: Buffer, contentType: string | undefined): string | undefined {
  if (body.length === 0) return undefined;
  const json = parseJson(body);
  const outcome = outcomeSummary(json);
  if (outcome !== undefined) return outcome;
  if (isRecord(json)) {
    const fields = ['error', 'error_description', 'message'].map((k) => str(json[k])).filter((v): v is string => v !== undefined);
    if (fields.length > 0) return cut(fields.join(': '), MAX_ITEM);
  }
  return `${body.length}-byte ${contentType?.split(';')[0] ?? 'untyped'} body not shown`;
}

/**
 * The class of a non-2xx answer (types.ts): 408, 429 and 5xx may pass by themselves;
 * 401/403 may pass once the credentials in the environment are fixed; any other status
 * (400, 404, 409, 412, 422, a redirect) says this request is wrong and will stay wrong.
 */
export function statusError(who: string, status: number, statusText: string, body: Buffer, headers: { contentType?: string; retryAfter?: string }): DeliveryError {
  const said = describeBody(body, headers.contentType);
  const answer = `${who} answered ${status}${statusText === '' ? '' : ` ${statusText}`}${said === undefined ? '' : ` (${said})`}`;
  const retryAfterMs = parseRetryAfter(headers.retryAfter);
  if (isTransientStatus(status)) {
    const wait = retryAfterMs === undefined ? '' : `; Retry-After ${Math.round(retryAfterMs / 1000)} s`;
    return new DeliveryError('MEDIBUS_ERR_DELIVERY_TRANSIENT', `${answer}${wait}`, { status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (status === 401 || status === 403) return new DeliveryError('MEDIBUS_ERR_DELIVERY_AUTH', answer, { status });
  return new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', answer, { status });
}

/** statusError for a response as the transport returned it */
export function responseError(who: string, response: HttpResponse): DeliveryError {
  const retryAfter = response.headers['retry-after'];
  return statusError(who, response.status, response.statusText, response.body, {
    contentType: response.headers['content-type'],
    retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
  });
}

/** 408, 429 and 5xx may pass on a later try; other failures will not */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function strings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const list = value.filter((v): v is string => typeof v === 'string');
  return list.length === 0 ? undefined : list;
}
