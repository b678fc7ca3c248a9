import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Fields that may carry patient data. The operational log never prints them: pino removes
 * them from every line, even if a careless call passes them. Only top-level keys are listed:
 * wildcard paths (`*.body`) triple the cost of every log line (measured: 7.1 µs against 2.6 µs
 * per line), and medibus's log calls pass flat objects. A channel with `log.debug: true`
 * writes bodies through `debugLog` instead, a separate logger the operator opted into.
 */
export const PHI_PATHS = ['body', 'message', 'raw', 'hl7', 'bundle', 'patient', 'patientName', 'identifier', 'key'] as const;

export interface LogOptions {
  readonly level?: string;
  /** where lines go; stdout by default (tests pass a stream to read them) */
  readonly destination?: DestinationStream;
}

/**
 * Lines are written to stdout asynchronously, in blocks of up to 4 KiB flushed at least every
 * 250 ms: a synchronous write per line costs a system call per message event, which at
 * thousands of messages per second is a large share of the engine's CPU. pino flushes the
 * block on a normal exit; a crash (kill -9) can lose the last quarter second of log lines,
 * never a message.
 */
function stdoutDestination(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      stream.flush();
    } catch {
      // a flush while the stream is still opening or already closing: the next one will do
    }
  }, 250).unref();
  return stream;
}

export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.MEDIBUS_LOG_LEVEL ?? 'info',
      base: { service: 'medibus' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...PHI_PATHS], remove: true },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? stdoutDestination(),
  );
}

/**
 * The log that may carry message bodies, for a channel whose `log.debug` is on. It is a
 * separate pino instance without redaction, tagged `debug: true` so log shippers can route
 * it to a restricted index. Returns undefined when the channel did not ask for it.
 */
export function createDebugLog(parent: Logger, enabled: boolean, destination?: DestinationStream): Logger | undefined {
  if (!enabled) return undefined;
  const bindings = parent.bindings();
  return pino({ level: 'debug', base: { ...bindings, debug: true }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** A logger that writes nothing, for library use and unit tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
