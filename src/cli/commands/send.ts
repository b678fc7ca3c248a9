import { cliIo, printedHelp, usageError, type CliDeps, parseOptions } from '../io.js';
import { readFile } from 'node:fs/promises';
import { parseDuration } from '../../config/units.js';
import { codedMessage, formatLocation, isMedibusError } from '../../errors.js';
import { encodeText, parseAck, parseMessage, resolveCharset, splitMessages, type AckError, type Hl7Message, type ParsedAck } from '../../hl7/index.js';
import { MllpClient } from '../../mllp/client.js';

const USAGE = `usage: medibus send FILE --port P [--host H] [--timeout 10s] [--charset X]

Sends the HL7 v2 messages of FILE (one message, several, or an FHS/BHS batch) over MLLP, in
order and over one connection, and prints the ACK of each. Segment terminators are sent as
CR whatever the file uses. A message that gets no ACK stops the run (later ones would
overtake it at the receiver).

  --port P       receiver's TCP port (required)
  --host H       receiver's address (default 127.0.0.1)
  --timeout T    wait for each ACK, e.g. 500ms, 10s (default 10s)
  --charset X    charset of FILE and of the ACKs when their MSH-18 is empty (default UTF-8)

Exit status: 0 when every message got AA or CA, 1 otherwise, 2 for a usage or input error.
`;

/** `out` gets the per-message report */
export type SendDeps = CliDeps;

interface SendArgs {
  readonly file: string;
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly charset: string | undefined;
}

export async function run(argv: string[], deps: SendDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { out, err } = io;
  if (printedHelp(argv, io, USAGE)) return 0;
  const args = readArgs(argv);
  if (typeof args === 'string') {
    return usageError(io, 'send', args, USAGE);
  }
  const messages = await readMessages(args, err);
  if (messages === undefined) return 2;

  const client = new MllpClient({ host: args.host, port: args.port, connectTimeoutMs: args.timeoutMs });
  let allAccepted = true;
  try {
    for (const [i, message] of messages.entries()) {
      const { messageType, triggerEvent, controlId } = message.header;
      const label = `#${i + 1} ${[messageType, triggerEvent].filter((s) => s !== '').join('^') || '?'} ctrl=${controlId || '?'}`;
      let reply: Buffer;
      // Enhanced mode (HL7 v2.5.1 §2.9.3, table 0155): MSH-15 NE asks for no accept ACK, ER
      // for one only on error. Silence is then the answer: wait briefly, not the full timeout.
      const acceptAck = message.header.acceptAckType;
      const silenceIsSuccess = acceptAck === 'NE' || acceptAck === 'ER';
      try {
        reply = await client.send(encodeText(message.toString(), message.charset), { timeoutMs: silenceIsSuccess ? Math.min(args.timeoutMs, SILENCE_MS) : args.timeoutMs });
      } catch (error) {
        if (silenceIsSuccess && isMedibusError(error) && error.code === 'MEDIBUS_ERR_MLLP_TIMEOUT') {
          out(`${label} → sent (MSH-15 ${acceptAck}: no ACK expected, none came)\n`);
          continue;
        }
        out(`${label} → no ACK: ${codedMessage(error)}\n`);
        const left = messages.length - i - 1;
        if (left > 0) err(`medibus send: stopped; ${left} message(s) not sent\n`);
        return 1;
      }
      const ack = readAck(reply, args.charset);
      if (typeof ack === 'string') {
        out(`${label} → not an ACK: ${ack}\n`);
        allAccepted = false;
        continue;
      }
      // MSA-2 must echo MSH-10 (HL7 v2.5.1 §2.15.8.2); an ACK naming another message
      // does not tell us this one was accepted.
      const mismatch = ack.controlId !== controlId ? ` (the ACK names ctrl=${ack.controlId || '?'})` : '';
      const accepted = (ack.code === 'AA' || ack.code === 'CA') && mismatch === '';
      out(`${label} → ${ack.code}${mismatch}\n`);
      if (!accepted) {
        allAccepted = false;
        if (ack.text !== '') out(`    ${ack.text}\n`);
        for (const e of ack.errors) out(`    ERR ${formatAckError(e)}\n`);
      }
    }
  } finally {
    await client.close();
  }
  return allAccepted ? 0 : 1;
}

/** how long to listen for a negative ACK to a message that asked for none on success */
const SILENCE_MS = 2000;

function readArgs(argv: string[]): SendArgs | string {
  const parsed = parseOptions({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string', default: '127.0.0.1' },
      timeout: { type: 'string', default: '10s' },
      charset: { type: 'string' },
    },
  });
  if (typeof parsed === 'string') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return positionals.length === 0 ? 'FILE is missing' : `one FILE expected, got ${positionals.length}`;
  const port = Number(values.port);
  if (values.port === undefined) return '--port is required';
  if (!/^[0-9]+$/.test(values.port) || port < 1 || port > 65535) return `--port must be an integer 1–65535, got "${values.port}"`;
  const timeout = /^[0-9]+$/.test(values.timeout) ? Number(values.timeout) : /^[0-9]+(ms|s|m|h)$/.test(values.timeout) ? parseDuration(values.timeout) : undefined;
  if (typeof timeout !== 'number' || timeout <= 0) return `--timeout must be a duration such as 500ms, 10s or 2m, got "${values.timeout}"`;
  if (values.charset !== undefined) {
    try {
      resolveCharset(values.charset);
    } catch (error) {
      return codedMessage(error);
    }
  }
  return { file: positionals[0]!, host: values.host, port, timeoutMs: timeout, charset: values.charset };
}

/** the file's messages, or undefined after reporting why there are none */
async function readMessages(args: SendArgs, err: (text: string) => void): Promise<readonly Hl7Message[] | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(args.file);
  } catch (error) {
    err(`medibus send: cannot read ${args.file}: ${(error as NodeJS.ErrnoException).code ?? codedMessage(error)}\n`);
    return undefined;
  }
  try {
    const batch = splitMessages(bytes, { charset: args.charset });
    for (const warning of batch.warnings) err(`${args.file}: warning: ${warning}\n`);
    if (batch.messages.length === 0) {
      err(`${args.file}: no MSH message in the file\n`);
      return undefined;
    }
    return batch.messages;
  } catch (error) {
    err(`${args.file}: ${codedMessage(error)}\n`);
    return undefined;
  }
}

/** the parsed ACK, or why the reply is not one */
function readAck(reply: Buffer, charset: string | undefined): ParsedAck | string {
  try {
    return parseAck(parseMessage(reply, { charset }));
  } catch (error) {
    return codedMessage(error);
  }
}

/** `PID-3 101 Required field missing: PID-3 is empty [MEDIBUS_ERR_HL7_REQUIRED_FIELD]` */
function formatAckError(e: AckError): string {
  const where = e.location === undefined ? '-' : formatLocation({ segment: e.location.segment, segmentIndex: e.location.sequence, field: e.location.field, component: e.location.component });
  const text = [e.text, e.userMessage ?? e.diagnostic].filter((s) => s !== undefined && s !== '').join(': ');
  const app = e.applicationCode === undefined ? '' : ` [${e.applicationCode}]`;
  return `${where} ${e.code}${text === '' ? '' : ` ${text}`}${app}`;
}
