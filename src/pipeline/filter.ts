/**
 * The channel filter: which messages the channel transforms and routes. A filtered message
 * is acknowledged and counted as `filtered`, not as an error (it was received and stored;
 * the channel simply has nothing to do with it).
 */
import jsonata from 'jsonata';
import { compilePath, type Hl7Message } from '../hl7/index.js';
import { MedibusError, errorMessage } from '../errors.js';

export interface MessageFilter {
  /** undefined when the message passes, else why it was filtered */
  check(msg: Hl7Message, messageType: string): Promise<string | undefined>;
}

/** `ADT^A01`, `ADT^*`, `*^A08`: exact or with `*` for a whole part. */
export function typeMatcher(patterns: readonly string[]): (messageType: string) => boolean {
  const compiled = patterns.map((p) => {
    const [code = '', event = '*'] = p.split('^');
    return { code, event };
  });
  return (messageType) => {
    const [code = '', event = ''] = messageType.split('^');
    return compiled.some((p) => (p.code === '*' || p.code === code) && (p.event === '*' || p.event === event));
  };
}

/**
 * `when` is a JSONata expression (sandboxed: no I/O, no access to Node) with `$v(path)` for
 * the first value at an HL7 path and `$all(path)` for every repetition, e.g.
 * `$v('MSH-4') = 'LAB-A' and $v('PV1-2') != 'O'`.
 */
export function createFilter(options: { messageTypes?: readonly string[] | undefined; when?: string | undefined; where: string }): MessageFilter {
  const types = options.messageTypes && options.messageTypes.length > 0 ? typeMatcher(options.messageTypes) : undefined;
  let expression: ReturnType<typeof jsonata> | undefined;
  if (options.when) {
    try {
      expression = jsonata(options.when);
    } catch (error) {
      const e = error as { message?: string; position?: number };
      throw new MedibusError('MEDIBUS_ERR_FILTER', `${options.where}: filter.when is not a valid expression at character ${e.position ?? '?'}: ${e.message ?? String(error)}`);
    }
  }
  return {
    async check(msg, messageType) {
      if (types && !types(messageType)) return `message type ${messageType} is not in filter.messageTypes`;
      if (!expression) return undefined;
      const bindings = {
        v: (path: string) => msg.get(compilePath(path)),
        all: (path: string) => msg.getAll(compilePath(path)),
      };
      let result: unknown;
      try {
        result = await expression.evaluate({}, bindings);
      } catch (error) {
        throw new MedibusError('MEDIBUS_ERR_FILTER', `filter.when failed: ${errorMessage(error)}`);
      }
      return result === true ? undefined : 'filter.when is not true';
    },
  };
}
