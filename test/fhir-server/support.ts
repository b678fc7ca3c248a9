/**
 * Helpers for the FHIR server tests: named fixtures, and a small client over fastify's
 * inject() that sends `application/fhir+json` and parses the answer.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';

export function fixture<T = Resource>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** the ADT transaction fixture, fresh each call (tests change it) */
export function adtTransaction(): Bundle {
  return fixture<Bundle>('transaction-adt.json');
}

export interface Answer<T = Resource> {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: T;
}

export interface Client {
  get<T = Resource>(url: string, headers?: Record<string, string>): Promise<Answer<T>>;
  post<T = Resource>(url: string, body: unknown, headers?: Record<string, string>): Promise<Answer<T>>;
  put<T = Resource>(url: string, body: unknown, headers?: Record<string, string>): Promise<Answer<T>>;
  delete<T = Resource>(url: string): Promise<Answer<T>>;
}

export function client(app: FastifyInstance): Client {
  const send = async <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> => {
    const reply = await app.inject({
      method,
      url,
      headers: body === undefined ? headers : { 'content-type': 'application/fhir+json', ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: reply.statusCode, headers: reply.headers, body: (reply.body === '' ? undefined : JSON.parse(reply.body)) as T };
  };
  return {
    get: (url, headers) => send('GET', url, undefined, headers),
    post: (url, body, headers) => send('POST', url, body, headers),
    put: (url, body, headers) => send('PUT', url, body, headers),
    delete: (url) => send('DELETE', url),
  };
}

/** the resources of a searchset */
export function resources<T extends Resource = Resource>(bundle: Bundle): T[] {
  return (bundle.entry ?? []).map((entry: BundleEntry) => entry.resource as T);
}

/** every `expression` of an OperationOutcome, for asserting on FHIR paths */
export function expressions(outcome: OperationOutcome): string[] {
  return (outcome.issue ?? []).flatMap((issue) => issue.expression ?? []);
}
