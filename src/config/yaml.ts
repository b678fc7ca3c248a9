import { LineCounter, Scalar, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { readFile } from 'node:fs/promises';
import type { Diagnostic, PathSegment } from './diagnostics.js';

export interface Position {
  /** 1-based */
  readonly line: number;
  /** 1-based */
  readonly column: number;
}

/** What a diagnostic may point at: a mapping key (`prot:`) or the value under a path. */
export type Target = 'key' | 'value';

/**
 * A parsed YAML file that still knows where every node came from, so that later stages
 * (environment, schema, cross-file checks) can report `file:line:col` for a JSON path.
 */
export interface YamlSource {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  position(offset: number): Position;
  /**
   * The node under `path` and where it starts. When the path goes further than the file
   * wrote (a key filled in by a default, a missing key), the deepest node that exists stands
   * in for it: a missing key is reported at the mapping that lacks it.
   */
  locate(path: readonly PathSegment[], target?: Target): { node: Node | undefined; position: Position };
}

/**
 * Parses one YAML document with positions. YAML 1.2 core schema (so `no`/`yes`/`on` stay
 * strings, unlike YAML 1.1's Norway problem); duplicate keys are errors, because the
 * second silently winning is how a channel ends up on the wrong port. Syntax errors and
 * warnings come back as diagnostics; the document is still returned, possibly partial.
 */
export function parseYaml(text: string, file: string): { source: YamlSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = withoutStacks(() => parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' }));
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const source: YamlSource = {
    file,
    text,
    doc,
    position,
    locate: (path, target = 'value') => locate(doc, position, path, target),
  };
  const diagnostics: Diagnostic[] = [];
  for (const [severity, list] of [['error', doc.errors], ['warning', doc.warnings]] as const) {
    for (const problem of list) {
      diagnostics.push({
        file,
        ...position(problem.pos[0]),
        severity,
        code: 'MEDIBUS_ERR_CONFIG_YAML',
        path: '',
        message: problem.code === 'MULTIPLE_DOCS' ? 'the file holds more than one YAML document (---); put each in a file of its own' : problem.message,
      });
    }
  }
  return { source, diagnostics };
}

/**
 * Runs a synchronous parse with stack capture off. The yaml package makes each syntax problem
 * a YAMLError (an Error, so a stack trace is captured), and a damaged file can hold thousands:
 * a 50 KB file found by `npm run fuzz` spent 150 ms capturing stacks nobody reads (the problems
 * become diagnostics with a line and column).
 */
export function withoutStacks<T>(parse: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parse();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function locate(
  doc: Document.Parsed,
  position: (offset: number) => Position,
  path: readonly PathSegment[],
  target: Target,
): { node: Node | undefined; position: Position } {
  let value: unknown = doc.contents;
  let key: unknown;
  let deepest: Node | undefined = isNode(value) ? value : undefined;
  for (const segment of path) {
    const container = isAlias(value) ? value.resolve(doc) : value;
    let next: { key: unknown; value: unknown } | undefined;
    if (isMap(container)) {
      const pair = container.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair) next = { key: pair.key, value: pair.value };
    } else if (isSeq(container) && typeof segment === 'number' && segment < container.items.length) {
      next = { key: container.items[segment], value: container.items[segment] };
    }
    if (!next) {
      return { node: undefined, position: start(deepest, position) };
    }
    ({ key, value } = next);
    // `key:` with nothing after it has no value node; the key is the best place to point at
    deepest = isNode(value) ? value : isNode(key) ? key : deepest;
  }
  const chosen = target === 'key' && isNode(key) ? key : isNode(value) ? value : deepest;
  return { node: chosen, position: start(chosen, position) };
}

function isNode(value: unknown): value is Node {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value);
}

function start(node: Node | undefined, position: (offset: number) => Position): Position {
  const offset = node?.range?.[0];
  return offset === undefined ? { line: 1, column: 1 } : position(offset);
}

/**
 * Where character `index` of the scalar's value sits in the file. Exact for single-line
 * plain and quoted scalars without escapes (the usual `key: ${VAR}`); otherwise the
 * scalar's start, because folding and escapes break the value↔source correspondence.
 */
export function offsetInScalar(text: string, scalar: Scalar, index: number): number {
  const [start = 0, end = start] = scalar.range ?? [];
  const raw = text.slice(start, end);
  if (raw === scalar.value) return start + index;
  const quoted = scalar.type === Scalar.QUOTE_DOUBLE || scalar.type === Scalar.QUOTE_SINGLE;
  if (quoted && raw.slice(1, -1) === scalar.value) return start + 1 + index;
  return start;
}

/**
 * Where `path` is in a YAML file on disk, for checks made after loading (a reference another
 * file does not satisfy); line 1 column 1 when the file can no longer be read.
 */
export async function locateInFile(file: string, path: readonly PathSegment[]): Promise<Position> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { line: 1, column: 1 };
  }
  return parseYaml(text, file).source.locate(path).position;
}
