/**
 * `expr:` — JSONata with $v/$all in the current scope, parsed once at load, sandboxed
 * (compile-expr.ts), and evaluated asynchronously between synchronous passes (runtime-convert.ts).
 */
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { mapping, message, only } from './support.js';

describe('expr: (JSONata)', () => {
  it('computes values, conditions and keys from $v and $all', async () => {
    const m = await mapping('expr');
    expect(m.usesExpressions).toBe(true);
    const { bundle } = await m.convert(message('rules-a01'));
    const patient = only<Patient>(bundle, 'Patient');
    expect(patient.name).toEqual([{ text: 'ANNA SMITH' }]);
    expect(patient.identifier).toEqual([
      { system: 'urn:example:mrn', value: 'MRN1' },
      { system: 'urn:example:mrn', value: 'MRN2' },
    ]);
    expect(patient.active).toBe(true);
    expect(patient.gender).toBe('other');
    expect(bundle.entry?.find((e) => e.resource === patient)?.request?.url).toBe('Patient?identifier=urn:example:mrn|MRN1');
  });

  it('decides whether a resource is produced', async () => {
    const { bundle } = await (await mapping('expr')).convert(message('rules-a01'));
    expect(only<Encounter>(bundle, 'Encounter').class).toEqual({ code: 'IMP' });
  });

  it('gives the same bundle every time', async () => {
    const m = await mapping('expr');
    const [a, b] = await Promise.all([m.convert(message('rules-a01')), m.convert(message('rules-a01'))]);
    expect(a.bundle).toEqual(b.bundle);
  });

  it('cannot read the clock: the failure names the expression and where it is written', async () => {
    const error = (await (await mapping('expr-clock')).convert(message('rules-a01')).catch((e: unknown) => e)) as MedibusError;
    expect(error).toBeInstanceOf(MedibusError);
    expect(error.code).toBe('MEDIBUS_ERR_MAPPING_RUNTIME');
    expect(error.message).toMatch(/^expression "\$substring\(\$now\(\), 0, 10\)" \(.*fixtures\/mapping\/expr-clock\.yaml:9:26\) failed: \$now is not available in mapping expressions/);
  });

  it('is refused by convertSync, which cannot wait for it', async () => {
    const m = await mapping('expr');
    expect(() => m.convertSync(message('rules-a01'))).toThrow('mapping expr has expr: rules, which evaluate asynchronously: use convert()');
  });
});
