import { isMap, isScalar, isSeq, parseDocument, Scalar, type Node } from 'yaml';
import type { Diagnostic, PathSegment } from './diagnostics.js';
import { formatPath } from './diagnostics.js';
import { offsetInScalar, withoutStacks, type YamlSource } from './yaml.js';

/**
 * `${VAR}` interpolation in scalar values.
 *
 * This is how credentials and per-site settings reach a channel: the file in git says
 * `url: ${EMR_FHIR_URL}` or `password: ${EMR_PASSWORD}`, the value lives in the
 * environment (or the secret store that fills it). Secrets never live in channel files.
 *
 * Syntax, as in POSIX shells and docker compose:
 *  - `${NAME}`: the variable's value; unset is an error at that position;
 *  - `${NAME:-default}`: the default when NAME is unset *or empty*; the default is literal
 *    text and cannot contain `}`;
 *  - `$${` is a literal `${`.
 * Values are inserted as they are: a value that itself contains `${` is not expanded again.
 * Only values are interpolated, never keys, so the shape of a file never depends on the
 * environment.
 *
 * Typing: a plain (unquoted) scalar that is exactly one `${…}` is re-read as a YAML scalar
 * after substitution, so `port: ${MLLP_PORT:-2575}` is the integer 2575 and
 * `enabled: ${ADT_ENABLED:-true}` a boolean. Quote it (`"${DB_PASSWORD}"`) to keep a string:
 * a password of digits must not turn into a number.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface Substitution {
  readonly text: string;
  /** how many `${…}` were read (escapes not counted) */
  readonly references: number;
  /** `index` is the offset of the offending `${` in the input */
  readonly problems: readonly { readonly index: number; readonly message: string }[];
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^]*))?$/;

/** Substitutes every reference in `text`. Pure, for the document walk below and for tests. */
export function substitute(text: string, env: Env): Substitution {
  let out = '';
  const problems: { index: number; message: string }[] = [];
  let references = 0;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) {
      problems.push({ index: i, message: 'unterminated "${"; write "$${" for a literal "${"' });
      out += text.slice(i);
      break;
    }
    references += 1;
    const inner = text.slice(i + 2, close);
    const match = REFERENCE.exec(inner);
    if (!match) {
      problems.push({ index: i, message: `invalid reference "\${${inner}}"; expected \${NAME} or \${NAME:-default}` });
      out += text.slice(i, close + 1);
    } else {
      const [, name = '', fallback] = match;
      const value = env[name];
      if (fallback !== undefined && (value === undefined || value === '')) out += fallback;
      else if (value !== undefined) out += value;
      else {
        problems.push({ index: i, message: `environment variable ${name} is not set and has no default` });
        out += text.slice(i, close + 1);
      }
    }
    i = close + 1;
  }
  return { text: out, problems, references };
}

/** True when the whole text is one `${…}` reference (not an escaped `$${`). */
function isWholeReference(text: string): boolean {
  return /^\$\{[^}]*\}$/.test(text);
}

export interface Interpolation {
  readonly diagnostics: Diagnostic[];
  /** scalars whose `${…}` could not be substituted: already reported, later stages skip them */
  readonly failed: ReadonlySet<Node>;
  /**
   * scalars that took a value from the environment, with the text the file wrote: later
   * messages name `${DB_PASSWORD}` instead of echoing a value that may be a secret
   */
  readonly substituted: ReadonlyMap<Node, string>;
}

/**
 * Interpolates every string scalar of the document in place, so node positions stay valid
 * for the diagnostics of later stages.
 */
export function interpolate(source: YamlSource, env: Env): Interpolation {
  const diagnostics: Diagnostic[] = [];
  const failed = new Set<Node>();
  const substituted = new Map<Node, string>();
  walkScalars(source.doc.contents, [], (scalar, path) => {
    const original = scalar.value;
    if (typeof original !== 'string' || !original.includes('${')) return;
    const { text, problems, references } = substitute(original, env);
    for (const problem of problems) {
      diagnostics.push({
        file: source.file,
        ...source.position(offsetInScalar(source.text, scalar, problem.index)),
        severity: 'error',
        code: 'MEDIBUS_ERR_CONFIG_ENV',
        path: formatPath(path),
        message: problem.message,
      });
    }
    if (problems.length > 0) {
      failed.add(scalar);
      return;
    }
    if (references > 0) substituted.set(scalar, original);
    scalar.value = scalar.type === Scalar.PLAIN && isWholeReference(original) ? retype(text) : text;
  });
  return { diagnostics, failed, substituted };
}

/** The substituted text as YAML would have read it in place; anything but a scalar stays text. */
function retype(text: string): unknown {
  const doc = withoutStacks(() => parseDocument(text, { version: '1.2' }));
  return doc.errors.length === 0 && isScalar(doc.contents) ? doc.contents.value : text;
}

/** Visits value scalars with their JSON path; keys are never interpolated, aliases are visited at their anchor. */
function walkScalars(node: unknown, path: PathSegment[], visit: (scalar: Scalar, path: PathSegment[]) => void): void {
  if (isScalar(node)) visit(node, path);
  else if (isMap(node)) {
    for (const pair of node.items) {
      walkScalars(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : '?'], visit);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => walkScalars(item, [...path, index], visit));
  }
}
