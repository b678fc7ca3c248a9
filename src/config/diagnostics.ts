import path from 'node:path';
import type { ErrorCode } from '../errors.js';

/**
 * One problem found in a config file, compiler style: where (file, 1-based line and
 * column), how bad, which catalogue code, which key (as a JSON path) and what was expected.
 * Loading collects every diagnostic of every file before deciding anything, so a user fixes
 * a whole directory in one pass instead of one error per run.
 */
export interface Diagnostic {
  /** absolute path of the file (printed relative to the working directory) */
  readonly file: string;
  /** 1-based; 0 when the problem has no place inside the file (it could not be read) */
  readonly line: number;
  /** 1-based; 0 together with line 0 */
  readonly column: number;
  readonly severity: Severity;
  readonly code: ErrorCode;
  /** JSON path of the key concerned, e.g. `source.port`, `destinations[0].retry`; '' = the file */
  readonly path: string;
  readonly message: string;
}

export const SEVERITIES = ['error', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A key of a mapping or an index of a list, as walked from the document root. */
export type PathSegment = string | number;

/** `source.port`, `destinations[0].name`, `filter["odd key"]`; the root is ''. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A file name the way a user typed it: relative to the working directory when inside it. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/**
 * `channels/adt.yaml:12:9 error MEDIBUS_ERR_CONFIG_SCHEMA source.port: expected integer, got string "abc"`
 *
 * The shape tsc, eslint's unix formatter and Benthos' linter print, so terminals and
 * editors turn `file:line:col` into a link.
 */
export function formatDiagnostic(d: Diagnostic, cwd: string = process.cwd()): string {
  const where = d.line > 0 ? `${displayPath(d.file, cwd)}:${d.line}:${d.column}` : displayPath(d.file, cwd);
  const subject = d.path === '' ? '' : `${d.path}: `;
  return `${where} ${d.severity} ${d.code} ${subject}${d.message}`;
}

/** Files in name order, then positions in reading order; a stable sort keeps discovery order otherwise. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
