/**
 * One conversion of one DICOM object or CSV row (group): warnings, the resources planned so
 * far (for `ref:`), where the rules are reading (for messages), and the time zone for times
 * sent without an offset. The record engine's counterpart of src/mapping/run/context.ts.
 */
import { MedibusError, type ErrorCode } from '../../errors.js';
import { formatOffset, zoneResolver } from '../../util/timezone.js';
import { facilitySystem, keyId, resolveIdentifierSystem } from '../fhir/identifiers.js';
import type { ResourceMode } from '../language/types.js';
import type { LeafContext, RecordScope } from './types.js';

export interface RecordEntry {
  readonly name: string;
  readonly type: string;
  readonly system: string;
  readonly value: string;
  readonly fullUrl: string;
  readonly slot: number;
  readonly mode: ResourceMode;
  readonly scope: RecordScope;
  resource: Record<string, unknown>;
}

export class RecordRun implements LeafContext {
  readonly warnings: string[] = [];
  readonly instances = new Map<string, RecordEntry[]>();
  private readonly keyed = new Map<number, RecordEntry>();
  /** what is being read, for messages: `StudyDate`, `BIRTHDATE (line 2)` */
  where = '';
  private warnedUtc = false;
  private readonly zone: ((y: number, mo: number, d: number, h: number, mi: number, s: number) => number) | undefined;

  constructor(
    readonly mappingId: string,
    private readonly facility: string,
    private readonly identifierSystems: ReadonlyMap<string, string>,
    timezone: string | undefined,
    private readonly payloadOffset: string | undefined,
  ) {
    this.zone = timezone === undefined ? undefined : zoneResolver(timezone);
  }

  at(where: string): void {
    this.where = where;
  }

  warn(message: string): void {
    this.warnings.push(this.where === '' ? message : `${this.where}: ${message}`);
  }

  error(code: ErrorCode, message: string, cause?: unknown): MedibusError {
    return new MedibusError(code, this.where === '' ? message : `${this.where}: ${message}`, { cause });
  }

  offsetFor(year: number, month: number, day: number, hour: number, minute: number, second: number): string | undefined {
    // the object's own TimezoneOffsetFromUTC says what its times mean; the channel's zone is the guess for those that do not say
    if (this.payloadOffset !== undefined) return this.payloadOffset;
    if (this.zone !== undefined) return formatOffset(this.zone(year, month, day, hour, minute, second));
    if (!this.warnedUtc) {
      this.warnedUtc = true;
      this.warn('a time without offset is read as UTC: set transform.timezone (or --timezone)');
    }
    return '+00:00';
  }

  authority(name: string): string | undefined {
    return resolveIdentifierSystem(this.identifierSystems, name, /^[0-2](\.(0|[1-9][0-9]*))+$/.test(name.trim()) || /^[a-z][a-z0-9+.-]*:/i.test(name.trim()) ? name : '', '');
  }

  systemFor(resourceType: string): string {
    return facilitySystem(this.facility, resourceType);
  }

  /** Registers a planned resource; false when a `mode: create` rule meets its own key again. */
  register(entry: RecordEntry): boolean {
    const other = this.keyed.get(entry.slot);
    if (other !== undefined && other.type === entry.type && other.system === entry.system && other.value === entry.value) {
      if (other.name === entry.name && other.mode === 'create' && entry.mode === 'create') {
        this.add(entry.name, other);
        return false;
      }
      throw this.error('MEDIBUS_ERR_MAPPING_RUNTIME', `two ${entry.type} resources have the key ${entry.system}|${entry.value} (${other.scope.label} and ${entry.scope.label}); make the key unique`);
    }
    if (other !== undefined) throw this.error('MEDIBUS_ERR_MAPPING_RUNTIME', `two different keys have the same fullUrl hash; medibus cannot tell them apart in one bundle`);
    this.keyed.set(entry.slot, entry);
    this.add(entry.name, entry);
    return true;
  }

  private add(name: string, entry: RecordEntry): void {
    const list = this.instances.get(name);
    if (list === undefined) this.instances.set(name, [entry]);
    else list.push(entry);
  }

  /** `ref: name` from `scope`: from the scope outwards, the first level whose subtree holds any. */
  resolve(name: string, scope: RecordScope, many: boolean, out: unknown[]): void {
    const list = this.instances.get(name);
    if (list === undefined) return;
    for (let s: RecordScope | undefined = scope; s !== undefined; s = s.parent) {
      let found = false;
      for (const entry of list) {
        if (!within(entry.scope, s)) continue;
        out.push({ reference: entry.fullUrl });
        found = true;
        if (!many) return;
      }
      if (found) return;
    }
  }
}

function within(inner: RecordScope, outer: RecordScope): boolean {
  for (let s: RecordScope | undefined = inner; s !== undefined; s = s.parent) if (s === outer) return true;
  return false;
}

export { keyId };
