/**
 * `medibus dead CHANNEL [--destination D] [--failed] [--limit N] [--show ID]`
 *
 * Lists a channel's dead letters (each destination's `.dead` queue) or, with `--failed`, its
 * failed transforms, one line each: message id, control id, type, reason, attempts, age.
 * Reading does not consume (broker/browse.ts): afterwards every message is still in its
 * queue, in its place. `--show ID` prints one message with its headers and body; the body is
 * patient data, and the first line says so.
 */
import type { GetMessage } from 'amqplib';
import { cliIo, printedHelp, usageError, type CliDeps, parseOptions } from '../io.js';
import { Broker } from '../../broker/connection.js';
import { browse } from '../../broker/browse.js';
import { HEADERS } from '../../broker/retry.js';
import { topologyFor } from '../../broker/topology.js';
import { decodeText } from '../../hl7/index.js';
import { decodeEnvelope, header } from '../../pipeline/envelope.js';
import { errorMessage } from '../../errors.js';
import { findChannel } from '../find-channel.js';
import { AMQP_URL_HELP, BROKER_OPTIONS, brokerArgs, QUEUE_TYPE_HELP, type BrokerArgs } from '../broker-options.js';

const DEFAULT_LIMIT = 100;

const USAGE = `usage: medibus dead CHANNEL [--destination D] [--failed] [--limit N] [--show MESSAGE_ID]

  --destination D  only this destination's dead letters (default: every destination)
  --failed         the channel's failed queue (messages the transform could not map) instead
  --limit N        list at most N messages per queue (default ${DEFAULT_LIMIT})
  --show ID        print the message with this medibus message id: headers and body (patient data)
  --channels DIR   channel files (default ./channels)
${AMQP_URL_HELP}
${QUEUE_TYPE_HELP}, as the channel was started with

Reading does not consume: every message stays in its queue, in its order.
`;

interface DeadArgs extends BrokerArgs {
  readonly channelId: string;
  readonly destination: string | undefined;
  readonly failed: boolean;
  readonly limit: number;
  readonly show: string | undefined;
  readonly channels: string;
}

export async function run(argv: string[], deps: CliDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { out, err } = io;
  if (printedHelp(argv, io, USAGE)) return 0;
  const args = readArgs(argv);
  if (typeof args === 'string') return usageError(io, 'dead', args, USAGE);
  const channel = await findChannel(args.channels, args.channelId, 'dead', err);
  if (!channel) return 1;
  const topology = topologyFor(channel.config, args.queueType);
  let queues: string[];
  if (args.failed) {
    queues = [topology.failed];
  } else {
    const selected = topology.destinations.filter((d) => args.destination === undefined || d.name === args.destination);
    if (selected.length === 0) {
      err(`medibus dead: channel ${args.channelId} has no destination "${args.destination}" (known: ${topology.destinations.map((d) => d.name).join(', ')})\n`);
      return 1;
    }
    queues = selected.map((d) => d.dead);
  }
  const broker = new Broker({ url: args.amqpUrl, name: 'medibus dead', ...(args.tls === undefined ? {} : { tls: args.tls }) });
  broker.start();
  try {
    await broker.waitUntilConnected(10_000);
    if (args.show !== undefined) {
      const id = args.show;
      for (const queue of queues) {
        const { messages } = await browse(broker, queue, { limit: 1, match: (msg) => messageId(msg) === id });
        const [msg] = messages;
        if (msg) {
          out(showMessage(queue, msg, args.failed));
          return 0;
        }
      }
      err(`medibus dead: no message with id ${id} in ${queues.join(', ')}\n`);
      return 1;
    }
    const now = Date.now();
    for (const queue of queues) {
      const { messages, total } = await browse(broker, queue, { limit: args.limit });
      out(`${queue}: ${total} message${total === 1 ? '' : 's'}\n`);
      for (const msg of messages) out(`  ${listLine(msg, now)}\n`);
      if (total > messages.length) out(`  … ${total - messages.length} more not listed (--limit ${args.limit})\n`);
    }
    return 0;
  } finally {
    await broker.close();
  }
}

function messageId(msg: GetMessage): string {
  return typeof msg.properties.messageId === 'string' ? msg.properties.messageId : '';
}

/** One line, no patient data: ids, type, reason, attempts, age. */
function listLine(msg: GetMessage, now: number): string {
  const code = header(msg, HEADERS.errorCode);
  const reason = header(msg, HEADERS.error).replace(/\s+/g, ' ');
  const attempts = header(msg, HEADERS.attempts);
  const fields = [
    messageId(msg) || '(no id)',
    `control=${header(msg, 'medibus-control-id') || '-'}`,
    `type=${header(msg, 'medibus-type') || '-'}`,
    `attempts=${attempts || '-'}`,
    `age=${age(msg, now)}`,
    `${code || 'no code'}: ${reason || '(no reason)'}`,
  ];
  return fields.join('  ');
}

/** Since it was dead-lettered (medibus-dead-at), else since it was received (AMQP timestamp, seconds). */
function age(msg: GetMessage, now: number): string {
  const deadAt = Date.parse(header(msg, HEADERS.deadAt));
  const timestamp: unknown = msg.properties.timestamp;
  const since = Number.isFinite(deadAt) ? deadAt : typeof timestamp === 'number' ? timestamp * 1000 : NaN;
  if (!Number.isFinite(since)) return '?';
  const s = Math.max(0, Math.round((now - since) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

/** Headers and the decoded body: the route envelope for a dead letter, the raw HL7 for a failed transform. */
function showMessage(queue: string, msg: GetMessage, failed: boolean): string {
  const lines = ['# CONTAINS PATIENT DATA: do not paste into tickets or chats', `queue: ${queue}`, `message id: ${messageId(msg)}`];
  const timestamp: unknown = msg.properties.timestamp;
  if (typeof timestamp === 'number') lines.push(`received: ${new Date(timestamp * 1000).toISOString()}`);
  lines.push('headers:');
  for (const name of Object.keys(msg.properties.headers ?? {}).sort()) lines.push(`  ${name}: ${header(msg, name)}`);
  if (failed) {
    lines.push('hl7:', hl7Lines(rawText(msg)));
  } else {
    try {
      const envelope = decodeEnvelope(msg.content);
      lines.push(`charset: ${envelope.charset}`, 'hl7:', hl7Lines(envelope.hl7));
      lines.push(envelope.bundle === undefined ? 'bundle: none (the channel does not map)' : `bundle (${envelope.entries} entries):\n${JSON.stringify(envelope.bundle, null, 2)}`);
    } catch (error) {
      lines.push(`body: not a medibus envelope (${errorMessage(error)}); ${msg.content.length} bytes`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function rawText(msg: GetMessage): string {
  const charset = header(msg, 'medibus-charset');
  try {
    return decodeText(msg.content, charset || 'UTF-8');
  } catch {
    return msg.content.toString('utf8');
  }
}

/** HL7 separates segments with CR; a terminal wants one per line. */
function hl7Lines(text: string): string {
  return text.split(/\r\n|\r|\n/).filter((s) => s !== '').map((s) => `  ${s}`).join('\n');
}

function readArgs(argv: string[]): DeadArgs | string {
  const parsed = parseOptions({
    args: argv,
    allowPositionals: true,
    options: {
      destination: { type: 'string' },
      failed: { type: 'boolean', default: false },
      limit: { type: 'string' },
      show: { type: 'string' },
      channels: { type: 'string', default: 'channels' },
      ...BROKER_OPTIONS,
    },
  });
  if (typeof parsed === 'string') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return positionals.length === 0 ? 'CHANNEL is missing' : `one CHANNEL expected, got ${positionals.length}`;
  if (values.failed && values.destination !== undefined) return '--failed and --destination exclude each other (the failed queue is the channel\'s, before any destination)';
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) return `--limit must be a positive integer, got "${values.limit}"`;
  const broker = brokerArgs(values);
  if (typeof broker === 'string') return broker;
  return { ...broker, channelId: positionals[0], destination: values.destination, failed: values.failed, limit, show: values.show, channels: values.channels };
}
