import { describe, expect, it } from 'vitest';
import { substitute } from '../../src/config/env.js';
import { loadYamlText } from '../../src/config/load.js';
import { lines } from './support.js';

/** A small schema of its own: interpolation is part of the generic loader, not of channels. */
const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string' },
    port: { type: 'integer' },
    enabled: { type: 'boolean' },
    password: { type: 'string' },
    url: { type: 'string' },
    list: { type: 'array', items: { type: 'string' } },
  },
};

function load(text: string, env: Record<string, string>): { value: unknown; diagnostics: string[] } {
  const result = loadYamlText<Record<string, unknown>>(text, 'env.yaml', schema, { env });
  return { value: result.value, diagnostics: lines(result.diagnostics) };
}

describe('substitute', () => {
  it('replaces set variables, and defaults when unset or empty (as POSIX shells do)', () => {
    expect(substitute('${A}/${B:-b}/${C:-c}', { A: 'a', C: '' }).text).toBe('a/b/c');
    expect(substitute('${A:-}', {}).text).toBe('');
  });

  it('keeps an empty value that is set, when there is no default', () => {
    expect(substitute('[${A}]', { A: '' })).toEqual({ text: '[]', problems: [], references: 1 });
  });

  it('writes $${ as a literal ${ and leaves other dollars alone', () => {
    expect(substitute('$${A} costs $5 and $$', {})).toEqual({ text: '${A} costs $5 and $$', problems: [], references: 0 });
  });

  it('does not expand references inside values', () => {
    expect(substitute('${A}', { A: '${B}', B: 'no' }).text).toBe('${B}');
  });

  it('reports each unset variable at its offset', () => {
    expect(substitute('x${A}y${B}', {}).problems).toEqual([
      { index: 1, message: 'environment variable A is not set and has no default' },
      { index: 6, message: 'environment variable B is not set and has no default' },
    ]);
  });

  it('reports malformed references', () => {
    expect(substitute('${1A}', {}).problems).toEqual([{ index: 0, message: 'invalid reference "${1A}"; expected ${NAME} or ${NAME:-default}' }]);
    expect(substitute('a${A', {}).problems).toEqual([{ index: 1, message: 'unterminated "${"; write "$${" for a literal "${"' }]);
  });
});

describe('${VAR} in YAML files', () => {
  it('substitutes in scalars, lists and flow mappings', () => {
    const { value } = load('host: ${H}\nlist: [a, "${H}-2"]\n', { H: 'his' });
    expect(value).toEqual({ host: 'his', list: ['a', 'his-2'] });
  });

  it('re-reads a plain scalar that is exactly one ${…} as YAML: numbers and booleans get their type', () => {
    const { value } = load('port: ${PORT:-2575}\nenabled: ${ON}\n', { ON: 'false' });
    expect(value).toEqual({ port: 2575, enabled: false });
  });

  it('keeps a quoted ${…} a string, so a numeric password stays text', () => {
    const { value, diagnostics } = load('password: "${PW}"\n', { PW: '123456' });
    expect(diagnostics).toEqual([]);
    expect(value).toEqual({ password: '123456' });
  });

  it('keeps text when the value would read as something other than a scalar', () => {
    expect(load('host: ${H}\n', { H: 'a: b' }).value).toEqual({ host: 'a: b' });
    expect(load('host: ${H}\n', { H: '[x]' }).value).toEqual({ host: '[x]' });
  });

  it('does not retype a scalar with text around the reference', () => {
    const { diagnostics } = load('port: 2${P}\n', { P: '575' });
    expect(diagnostics).toEqual(['env.yaml:1:7 error MEDIBUS_ERR_CONFIG_SCHEMA port: expected integer, got string from "2${P}"']);
  });

  it('never echoes a value that came from the environment: it may be a secret', () => {
    const { diagnostics } = load('password: ${PW}\nhost: x${H}\n', { PW: 's3cr3t: yes', H: 'y' });
    expect(diagnostics).toEqual([]);
    expect(load('port: ${PW}\n', { PW: 's3cr3t' }).diagnostics).toEqual([
      'env.yaml:1:7 error MEDIBUS_ERR_CONFIG_SCHEMA port: expected integer, got string from "${PW}"',
    ]);
  });

  it('reports an unset variable without default at the ${, and only once', () => {
    expect(load('url: http://${HOST}/fhir\nport: ${PORT}\n', {}).diagnostics).toEqual([
      'env.yaml:1:13 error MEDIBUS_ERR_CONFIG_ENV url: environment variable HOST is not set and has no default',
      // no "expected integer, got string "${PORT}"" on top
      'env.yaml:2:7 error MEDIBUS_ERR_CONFIG_ENV port: environment variable PORT is not set and has no default',
    ]);
  });

  it('finds the position inside a double-quoted scalar', () => {
    expect(load('url: "x${U}"\n', {}).diagnostics).toEqual(['env.yaml:1:8 error MEDIBUS_ERR_CONFIG_ENV url: environment variable U is not set and has no default']);
  });

  it('returns no value when a variable is missing', () => {
    expect(load('host: ${H}\n', {}).value).toBeUndefined();
  });

  it('writes $${ literally and then validates the result', () => {
    expect(load('url: a$${b}\n', {}).value).toEqual({ url: 'a${b}' });
  });

  it('never interpolates keys', () => {
    expect(load('${K}: 1\n', { K: 'port' }).diagnostics).toEqual([
      'env.yaml:1:1 error MEDIBUS_ERR_CONFIG_SCHEMA ["${K}"]: unknown key "${K}" at top level; expected one of: host, port, enabled, password, url, list',
    ]);
  });
});
