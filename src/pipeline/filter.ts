/**
 * The channel filter: which messages the channel transforms and routes. A filtered message
 * is acknowledged and counted as `filtered`, not as an error (it was received and stored;
 * the channel simply has nothing to do with it).
 *
 * Per kind: an HL7 channel filters on `messageTypes` (MSH-9); the others on `types`, the
 * identity type their kind gives (DICOM: the Modality such as `CT`, else the SOP Class UID).
 * `when` reads the payload in its kind's own paths: `$v('PV1-2')`, `$v('Modality')`,
 * `$v('STATUS')` for a CSV column.
 */
import jsonata from 'jsonata';
import { compilePath } from '../hl7/index.js';
import { MedibusError, errorMessage } from '../errors.js';
import { anyKindSpec } from '../kinds/registry.js';
import type { Payload } from '../kinds/types.js';

export interface MessageFilter {
  /** undefined when the message passes, else why it was filtered */
  check(payload: Payload, messageType: string): Promise<string | undefined>;
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
export function createFilter(options: { messageTypes?: readonly string[] | undefined; types?: readonly string[] | undefined; when?: string | undefined; where: string }): MessageFilter {
  const types = options.messageTypes && options.messageTypes.length > 0 ? typeMatcher(options.messageTypes) : undefined;
  const kindTypes = options.types && options.types.length > 0 ? new Set(options.types) : undefined;
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
    async check(payload, messageType) {
      if (payload.kind === 'hl7v2') {
        if (types && !types(messageType)) return `message type ${messageType} is not in filter.messageTypes`;
      } else if (kindTypes && !kindTypes.has(messageType) && !kindTypes.has('*')) return `type ${messageType || '(none)'} is not in filter.types`;
      if (!expression) return undefined;
      const bindings = payload.kind === 'hl7v2' ? hl7Bindings(payload) : kindBindings(payload);
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

function hl7Bindings({ message }: Extract<Payload, { kind: 'hl7v2' }>): Record<string, (path: string) => unknown> {
  return {
    v: (path: string) => message.get(compilePath(path)),
    all: (path: string) => message.getAll(compilePath(path)),
  };
}

/** The kind's key paths (one name: a keyword, a tag, a column), read as the ordering key reads them. */
function kindBindings(payload: Payload): Record<string, (path: string) => unknown> {
  const spec = anyKindSpec(payload.kind);
  const v = (path: string): string => spec.compileKey(path)(payload);
  return { v, all: (path: string) => [v(path)] };
}
