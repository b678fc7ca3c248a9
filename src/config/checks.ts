import { isScalar } from 'yaml';
import { isMedibusError, type ErrorCode } from '../errors.js';
import { compilePath } from '../hl7/index.js';
import { checkClientTls, checkServerTls, type TlsConfig } from '../tls/index.js';
import { isValidTimezone } from '../util/timezone.js';
import type { Diagnostic, PathSegment, Severity } from './diagnostics.js';
import { displayPath, formatPath } from './diagnostics.js';
import type { ConnectorSchemaSpec } from './schema.js';
import type { ChannelConfig, DestinationConfig } from './types.js';
import { formatDuration } from './units.js';
import { offsetInScalar, type Target, type YamlSource } from './yaml.js';

/**
 * Rules a JSON Schema cannot express, run on channels the schema accepted: within one
 * channel (unique destination names, a well-formed ordering key, consistent retry) and
 * across channels (unique ids, one listener per address).
 */

export interface CheckedChannel {
  readonly file: string;
  readonly config: ChannelConfig;
  readonly source: YamlSource;
}

/** Addresses that mean "every interface" to Node's net.Server#listen. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

export function checkChannel(channel: CheckedChannel, destinationSpecs: readonly ConnectorSchemaSpec[]): Diagnostic[] {
  const { config } = channel;
  const out: Diagnostic[] = [];
  const report = (path: PathSegment[], severity: Severity, code: ErrorCode, message: string, target: Target = 'value'): void => {
    out.push(diagnostic(channel, path, target, severity, code, message));
  };

  // the parser that evaluates the key on each message, so "valid here" means "works there"
  try {
    compilePath(config.ordering.key);
  } catch (error) {
    if (!isMedibusError(error)) throw error;
    // point at the offending character: compilePath gives its 1-based column in the path
    const { node } = channel.source.locate(['ordering', 'key']);
    const at = isScalar(node) ? channel.source.position(offsetInScalar(channel.source.text, node, (error.location?.column ?? 1) - 1)) : undefined;
    out.push({ ...diagnostic(channel, ['ordering', 'key'], 'value', 'error', error.code, error.message), ...at });
  }

  const names = new Map<string, number>();
  config.destinations.forEach((destination, index) => {
    const first = names.get(destination.name);
    if (first === undefined) names.set(destination.name, index);
    else {
      const line = channel.source.locate(['destinations', first, 'name']).position.line;
      report(['destinations', index, 'name'], 'error', 'MEDIBUS_ERR_CONFIG_DUPLICATE', `destination name "${destination.name}" is already used by destinations[${first}] (line ${line}); names must be unique in a channel because they name its queues`);
    }
    const { initialDelay, maxDelay } = destination.retry;
    if (initialDelay > maxDelay) {
      report(['destinations', index, 'retry', 'initialDelay'], 'error', 'MEDIBUS_ERR_CONFIG_SCHEMA', `initialDelay ${formatDuration(initialDelay)} is longer than maxDelay ${formatDuration(maxDelay)}`);
    }
  });

  if (config.transform?.mapping === undefined) {
    config.destinations.forEach((destination, index) => {
      const problem = bundleWithoutMapping(channel, destinationSpecs.find((spec) => spec.type === destination.type), destination, index);
      if (problem !== undefined) report(problem.path, 'error', 'MEDIBUS_ERR_CONFIG_SCHEMA', problem.message);
    });
  }

  const timezone = config.transform?.timezone;
  if (timezone !== undefined && !isValidTimezone(timezone)) {
    report(['transform', 'timezone'], 'error', 'MEDIBUS_ERR_CONFIG_SCHEMA', `unknown time zone "${timezone}"; expected an IANA zone such as Asia/Ho_Chi_Minh, or an offset such as +07:00`);
  }

  config.tests.forEach((test, i) => {
    test.expect.forEach((expectation, j) => {
      if (expectation.equals === undefined && expectation.exists === undefined && expectation.count === undefined) {
        report(['tests', i, 'expect', j], 'error', 'MEDIBUS_ERR_CONFIG_SCHEMA', 'expectation checks nothing; add one of: equals, exists, count');
      }
    });
  });

  if (!config.enabled) {
    report(['enabled'], 'warning', 'MEDIBUS_ERR_CONFIG_DISABLED', 'channel is disabled; it is validated but not started');
  }
  // the rules start applies (tls/server.ts, tls/client.ts), said at validate with the key's position
  const tlsRule = (path: PathSegment[], check: () => void): void => {
    try {
      check();
    } catch (error) {
      if (!isMedibusError(error)) throw error;
      report(path, 'error', error.code, error.message.replace(/^[^:]*: /, ''), 'key');
    }
  };
  const sourceTls = config.source['tls'];
  if (isObject(sourceTls)) tlsRule(['source', 'tls'], () => checkServerTls(sourceTls as TlsConfig, 'source.tls'));
  config.destinations.forEach((destination, index) => {
    const tls = (destination as Record<string, unknown>)['tls'];
    if (isObject(tls)) tlsRule(['destinations', index, 'tls'], () => checkClientTls(tls as TlsConfig, `destinations[${index}].tls`));
  });

  const host = config.source['host'];
  if (typeof host === 'string' && WILDCARD_HOSTS.has(host)) {
    report(['source', 'host'], 'warning', 'MEDIBUS_ERR_CONFIG_EXPOSED', `source listens on all interfaces (${host}); any machine that can reach this one may send messages`);
  }
  return out;
}

/**
 * A destination that sends the FHIR Bundle on a channel that makes none: said at load, at
 * `payload:` when the file sets it, else at the destination's `type:`.
 */
function bundleWithoutMapping(channel: CheckedChannel, spec: ConnectorSchemaSpec | undefined, destination: DestinationConfig, index: number): { path: PathSegment[]; message: string } | undefined {
  if (spec?.sendsBundle === undefined || !spec.sendsBundle(destination as never)) return undefined;
  const payload = (spec.configSchema['properties'] as Record<string, { enum?: unknown[] }> | undefined)?.['payload'];
  const others = (payload?.enum ?? []).filter((p) => p !== 'bundle').map(String);
  const instead = others.length === 0 ? '' : `, or set payload: ${others.join(' or ')}`;
  const fix = `this channel has no transform.mapping to make one: add transform: { mapping: <name> }${instead}`;
  const written = channel.source.locate(['destinations', index, 'payload']).node !== undefined;
  if (written) return { path: ['destinations', index, 'payload'], message: `payload: bundle sends the FHIR Bundle, but ${fix}` };
  const what = `type: ${destination.type} sends the FHIR Bundle${payload === undefined ? '' : ' (payload: bundle is its default)'}`;
  return { path: ['destinations', index, 'type'], message: `${what}, but ${fix}` };
}

/**
 * What the checks across files read of a channel. Also taken from a file the schema refused,
 * when its YAML parsed: a duplicate port is reported with that file's own errors, not only
 * once they are fixed ("every problem at once").
 */
export interface ChannelIdentity {
  readonly file: string;
  readonly source: YamlSource;
  /** undefined when the file has no string id */
  readonly id: string | undefined;
  readonly enabled: boolean;
  readonly host: unknown;
  readonly port: unknown;
}

/** The id and listening address of a parsed channel document, valid or not. */
export function identityOf(file: string, source: YamlSource, data: unknown): ChannelIdentity {
  const doc = isObject(data) ? data : {};
  const listen = isObject(doc['source']) ? doc['source'] : {};
  return { file, source, id: typeof doc['id'] === 'string' ? doc['id'] : undefined, enabled: doc['enabled'] !== false, host: listen['host'] ?? '', port: listen['port'] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Ids must be unique (they name queues); two enabled sources must not listen on the same
 * address. A source's `host` + `port` are taken as its listening address, whatever its
 * type; port 0 (a free port, in tests) never conflicts. A wildcard host overlaps every
 * host on the same port, because the operating system refuses the second bind.
 * The first file (in name order) keeps the id or port; each later one gets the error.
 */
export function checkAcrossChannels(channels: readonly ChannelIdentity[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ids = new Map<string, ChannelIdentity>();
  const listeners: { channel: ChannelIdentity; host: string; port: number }[] = [];
  for (const channel of channels) {
    const { id } = channel;
    const first = id === undefined ? undefined : ids.get(id);
    if (first) {
      out.push(diagnostic(channel, ['id'], 'value', 'error', 'MEDIBUS_ERR_CONFIG_DUPLICATE', `channel id "${id}" is already used by ${where(first, ['id'])}`));
    } else if (id !== undefined) ids.set(id, channel);

    const { host, port } = channel;
    if (!channel.enabled || typeof port !== 'number' || port === 0 || typeof host !== 'string') continue;
    const clash = listeners.find((l) => l.port === port && (l.host === host || WILDCARD_HOSTS.has(l.host) || WILDCARD_HOSTS.has(host)));
    if (clash) {
      const owner = `channel "${clash.channel.id ?? '?'}" (${where(clash.channel, ['source', 'port'])})`;
      const message = clash.host === host ? `${host}:${port} is already used by ${owner}` : `${host}:${port} overlaps ${clash.host}:${port} of ${owner}`;
      out.push(diagnostic(channel, ['source', 'port'], 'value', 'error', 'MEDIBUS_ERR_CONFIG_DUPLICATE', message));
    } else listeners.push({ channel, host, port });
  }
  return out;
}

function where(channel: { readonly file: string; readonly source: YamlSource }, path: PathSegment[]): string {
  const { line, column } = channel.source.locate(path).position;
  return `${displayPath(channel.file)}:${line}:${column}`;
}

function diagnostic(channel: { readonly file: string; readonly source: YamlSource }, path: PathSegment[], target: Target, severity: Severity, code: ErrorCode, message: string): Diagnostic {
  return { file: channel.file, ...channel.source.locate(path, target).position, severity, code, path: formatPath(path), message };
}
