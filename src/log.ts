import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Fields that may carry patient data. The operational log never prints them: pino removes
 * them wherever they appear (top level or one level down), even if a careless call passes
 * them. A channel with `log.debug: true` writes bodies through `debugLog` instead, which is
 * a separate child logger that the operator opted into.
 */
export const PHI_PATHS = [
  'body',
  'message',
  'raw',
  'patient',
  'patientName',
  'identifier',
  'key',
  '*.body',
  '*.raw',
  '*.patient',
  '*.patientName',
  '*.identifier',
  '*.key',
] as const;

export interface LogOptions {
  readonly level?: string;
  /** where lines go; stdout by default (tests pass a stream to read them) */
  readonly destination?: DestinationStream;
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
    options.destination,
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
