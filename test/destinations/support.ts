/**
 * Helpers for the destination tests: a real HTTP(S) server on 127.0.0.1 standing in for a
 * FHIR server, a webhook or an OAuth2 token endpoint (fastify, answers chosen per test and
 * every request recorded), outbound messages built from named fixtures, destination configs
 * produced by the real channel loader (so defaults and units are the schema's), and a
 * cleanup list every test file drains after each test.
 */
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadYamlText } from '../../src/config/load.js';
import { channelSchema } from '../../src/config/load.js';
import type { ChannelConfig } from '../../src/config/types.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import type { Destination, DestinationSpec, OutboundMessage } from '../../src/destinations/types.js';
import { MedibusError } from '../../src/errors.js';
import { decodeText } from '../../src/hl7/index.js';
import { silentLogger } from '../../src/log.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export function fixturePath(...parts: string[]): string {
  return path.join(repoRoot, 'fixtures', ...parts);
}

export function jsonFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(fixturePath('destinations', name), 'utf8')) as T;
}

/** The Vietnamese ADT^A01 (windows-1258 bytes on disk) and its transaction Bundle. */
export const CP1258_BYTES = readFileSync(fixturePath('hl7', 'vi-adt-a01-cp1258.hl7'));

/** A message as the delivery worker hands it over; the Bundle's bytes follow `bundle`. */
export function outbound(overrides: Partial<Omit<OutboundMessage, 'bundleJson' | 'bundleType' | 'entries' | 'original'>> = {}): OutboundMessage {
  const base = {
    messageId: '01890a5d-ac96-774b-bcce-b302099a8057',
    channel: 'adt-from-his',
    kind: 'hl7v2' as const,
    sourceId: 'VN-ADT-000731',
    controlId: 'VN-ADT-000731',
    messageType: 'ADT^A01',
    bundle: jsonFixture<Bundle>('transaction-adt-a01.json') as Bundle | undefined,
    hl7: decodeText(CP1258_BYTES, 'windows-1258'),
    charset: 'windows-1258',
    attempt: 1,
    receivedAt: new Date('2024-03-05T03:15:00.000Z'),
    ...overrides,
  };
  return {
    ...base,
    original: { contentType: 'application/hl7-v2', bytes: Buffer.from(base.hl7, 'utf8') },
    bundleJson: base.bundle === undefined ? undefined : Buffer.from(JSON.stringify(base.bundle), 'utf8'),
    bundleType: base.bundle?.type,
    entries: base.bundle?.entry?.length ?? 0,
  };
}

/** Things to undo after each test, last in first out. */
export const cleanup: Array<() => Promise<unknown> | void> = [];

export async function runCleanup(): Promise<void> {
  for (const undo of cleanup.splice(0).reverse()) await undo();
}

/**
 * A destination's own config as the engine would get it: the YAML goes through the real
 * channel loader (schema, defaults, units), then the common keys are taken off.
 */
export function destinationConfig<C>(destination: Record<string, unknown>, env: Record<string, string> = {}): C {
  const text = `id: t\nsource: { type: mllp, port: 1 }\ndestinations:\n  - ${JSON.stringify({ name: 'd', ...destination })}\n`;
  const result = loadYamlText<ChannelConfig>(text, 'test.yaml', channelSchema(), { env });
  const first = result.value?.destinations[0];
  if (first === undefined) throw new Error(`config refused:\n${result.diagnostics.map((d) => formatDiagnostic(d, repoRoot)).join('\n')}`);
  const { name: _name, type: _type, ordering: _ordering, retry: _retry, ...own } = first;
  return own as C;
}

/** Creates a destination from its spec and a loader-checked config; closed after the test. */
export function createDestination<C>(spec: DestinationSpec<C>, destination: Record<string, unknown>, env: Record<string, string> = {}): Destination {
  const created = spec.create(destinationConfig<C>({ type: spec.type, ...destination }, env), { channelId: 'adt-from-his', name: 'd', log: silentLogger });
  cleanup.push(() => created.close());
  return created;
}

export interface Failure {
  readonly code: string;
  readonly retryable: boolean;
  readonly message: string;
  readonly retryAfterMs?: number;
}

/** How a delivery failed (or 'delivered'), in the terms the delivery worker uses. */
export async function outcome(promise: Promise<void>): Promise<Failure | 'delivered'> {
  try {
    await promise;
    return 'delivered';
  } catch (error) {
    if (!(error instanceof MedibusError)) throw error;
    const retryAfterMs = (error as MedibusError & { retryAfterMs?: number }).retryAfterMs;
    return { code: error.code, retryable: error.retryable, message: error.message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
}

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** client port: the same for requests that shared a kept-alive connection */
  readonly remotePort: number;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** objects are sent as JSON */
  readonly body?: unknown;
  /** answer only after this long (a slow server) */
  readonly delayMs?: number;
}

export type Handler = (request: Received, index: number) => Answer;

export interface FakeServer {
  readonly received: Received[];
  url(pathname: string): string;
  /** answers requests to `pathname` (the n-th request there is `index` n, from 0) */
  on(pathname: string, handler: Handler): void;
}

/** A fastify server on 127.0.0.1, port chosen by the system; `tls` makes it HTTPS. */
export async function fakeServer(tls?: { key: string; cert: string }): Promise<FakeServer> {
  const app: FastifyInstance = (tls === undefined ? Fastify({ forceCloseConnections: true }) : Fastify({ forceCloseConnections: true, https: tls })) as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const received: Received[] = [];
  const handlers = new Map<string, Handler>();
  const counts = new Map<string, number>();
  app.post('/*', async (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '';
    const entry: Received = { path: request.url, headers: request.headers, body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0), remotePort: request.socket.remotePort ?? 0 };
    received.push(entry);
    const index = counts.get(pathname) ?? 0;
    counts.set(pathname, index + 1);
    const handler = handlers.get(pathname);
    const answer = handler === undefined ? { status: 404 } : handler(entry, index);
    if (answer.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    reply.code(answer.status).headers(answer.headers ?? {});
    if (answer.body === undefined) return reply.send();
    if (typeof answer.body === 'string' || Buffer.isBuffer(answer.body)) return reply.send(answer.body);
    return reply.type(answer.headers?.['content-type'] ?? 'application/fhir+json').send(JSON.stringify(answer.body));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  cleanup.push(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  const scheme = tls === undefined ? 'http' : 'https';
  return {
    received,
    url: (pathname) => `${scheme}://127.0.0.1:${port}${pathname}`,
    on: (pathname, handler) => void handlers.set(pathname, handler),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed): connections are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** application/x-www-form-urlencoded body as an object */
export function form(body: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}
