/**
 * Units (a CWE such as OBX-6, CQ.2) → Quantity.unit / system / code (IG CWE[Quantity]):
 * - unit = CWE.2, else CWE.1 (the IG rows).
 * - CWE.3 UCUM: code = CWE.1, system http://unitsofmeasure.org (the IG rows).
 * - Otherwise the unit is looked up in the small table below of spellings labs commonly send
 *   (`mg/dl`, `µmol/L`, `10^9/L`, `giga.l-1`, `beats/min`); a hit gives the UCUM code and
 *   system. Where the sender named another system (CWE.3 `L`, `ISO+`), this departs from the
 *   IG row, which copies CWE.1/CWE.3 into code/system: a local code for a unit UCUM has is of
 *   no use to a FHIR client, which can compare and convert only UCUM quantities.
 * - No hit: with CWE.3 valued, code = CWE.1 and system = CWE.3 as a URI (IG row); without, unit
 *   text only. A guess would make a wrong UCUM code, worse than none.
 * The table is matched case-insensitively, so it holds no spelling whose case changes its
 * meaning (`M` molar vs `m` metre is left out; `G/L` is read as grams, giga per litre must be
 * sent as 10^9/L or giga.l-1).
 */
import type { Quantity } from '@medplum/fhirtypes';
import { codingSystemUri } from './coding-systems.js';
import type { ConvertContext } from './types.js';

const UCUM = 'http://unitsofmeasure.org';

const SPELLINGS: readonly (readonly [string, readonly string[]])[] = [
  ['%', ['%', 'percent']],
  ['g/dL', ['g/dl', 'gm/dl']],
  ['g/L', ['g/l']],
  ['mg/dL', ['mg/dl', 'mg%']],
  ['mg/L', ['mg/l']],
  ['ug/dL', ['ug/dl', 'µg/dl', 'mcg/dl']],
  ['ug/L', ['ug/l', 'µg/l', 'mcg/l']],
  ['ng/mL', ['ng/ml']],
  ['ng/dL', ['ng/dl']],
  ['pg/mL', ['pg/ml']],
  ['mol/L', ['mol/l']],
  ['mmol/L', ['mmol/l']],
  ['umol/L', ['umol/l', 'µmol/l', 'μmol/l']],
  ['nmol/L', ['nmol/l']],
  ['pmol/L', ['pmol/l']],
  ['meq/L', ['meq/l']],
  ['mosm/kg', ['mosm/kg']],
  ['U/L', ['u/l']],
  ['U/mL', ['u/ml']],
  ['[IU]/L', ['iu/l']],
  ['[IU]/mL', ['iu/ml']],
  ['m[IU]/L', ['miu/l']],
  ['m[IU]/mL', ['miu/ml']],
  ['u[IU]/mL', ['uiu/ml', 'µiu/ml', 'μiu/ml']],
  ['10*3/uL', ['10^3/ul', '10*3/ul', 'x10^3/ul', 'x10e3/ul', 'k/ul', 'thou/ul', '10^3/µl']],
  ['10*6/uL', ['10^6/ul', '10*6/ul', 'x10^6/ul', 'x10e6/ul', 'mill/ul', '10^6/µl']],
  ['10*9/L', ['10^9/l', '10*9/l', 'x10^9/l', 'x10e9/l', 'giga.l-1', 'giga/l']],
  ['10*12/L', ['10^12/l', '10*12/l', 'x10^12/l', 'x10e12/l', 'tera.l-1', 'tera/l']],
  ['/uL', ['/ul', 'cells/ul', '/µl']],
  ['/[HPF]', ['/hpf']],
  ['/[LPF]', ['/lpf']],
  ['fL', ['fl']],
  ['pg', ['pg']],
  ['ng', ['ng']],
  ['mg', ['mg']],
  ['g', ['g', 'gm', 'gram', 'grams']],
  ['kg', ['kg']],
  ['mL', ['ml']],
  ['L', ['l']],
  ['mm', ['mm']],
  ['cm', ['cm']],
  ['mm[Hg]', ['mmhg', 'mm hg', 'mm[hg]']],
  ['/min', ['/min', 'bpm', 'beats/min', 'breaths/min']],
  ['Cel', ['cel', '°c', 'degc', 'deg c']],
  ['[degF]', ['[degf]', '°f', 'degf', 'deg f']],
  ['s', ['s', 'sec']],
  ['min', ['min']],
  ['h', ['h', 'hr', 'hrs', 'hour', 'hours']],
  ['d', ['d', 'day', 'days']],
  ['wk', ['wk', 'week', 'weeks']],
  ['mo', ['mo', 'month', 'months']],
  ['a', ['a', 'yr', 'yrs', 'year', 'years']],
  ['mm/h', ['mm/h', 'mm/hr']],
  ['mL/min', ['ml/min']],
  ['mL/min/{1.73_m2}', ['ml/min/1.73m2', 'ml/min/1.73 m2', 'ml/min/{1.73_m2}']],
  ['kg/m2', ['kg/m2']],
  ['{ratio}', ['ratio', '{ratio}']],
  ['{copies}/mL', ['copies/ml', '{copies}/ml']],
  ['[IU]', ['iu']],
  ['U', ['u']],
];

/** lower-case spelling → UCUM code */
const UCUM_BY_SPELLING: ReadonlyMap<string, string> = new Map(SPELLINGS.flatMap(([code, spellings]) => spellings.map((s) => [s, code] as const)));

/** The UCUM code for a unit as labs write it, or undefined. */
export function ucumFor(unit: string): string | undefined {
  return UCUM_BY_SPELLING.get(unit.toLowerCase());
}

/** Sets unit, system and code on `q` from a unit CWE's code, text and coding system name. */
export function setUnits(q: Quantity, code: string, text: string, systemName: string, ctx: ConvertContext): void {
  if (code === '' && text === '') return;
  q.unit = text || code;
  const system = code === '' ? undefined : codingSystemUri(systemName, ctx);
  if (system === UCUM) {
    q.system = UCUM;
    q.code = code;
    return;
  }
  const ucum = ucumFor(code || text);
  if (ucum !== undefined) {
    q.system = UCUM;
    q.code = ucum;
  } else if (system !== undefined) {
    q.system = system;
    q.code = code;
  }
}
