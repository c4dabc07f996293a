// The CLI's plumbing, shared by `render` and `simulate`: option parsing, reading Kubernetes objects
// from files or stdin, the one parent a command runs on, and how errors become exit codes.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { RELATED_KINDS } from '../compositions/kube.js';
import { HookError } from '../hooks/errors.js';
import { formatTime } from '../sim/clock.js';
import { ApiError, ControllerError, clone, InputError, type Obj } from '../sim/cluster.js';

/** Bad invocation: the command prints the message and its usage and exits 2. */
export class UsageError extends Error {}

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => string;
  readonly readStdin: () => string;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFileSync(path, 'utf8'),
  readStdin: () => readFileSync(0, 'utf8'),
};

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly value: boolean;
}

/** `--name value`, `--name=value`, `-n value`, and boolean `--name`; anything else is a usage error. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^(--?)([^=]+)(?:=(.*))?$/.exec(arg);
    if (!match || arg === '-' || arg === '--') throw new UsageError(`unexpected argument "${arg}"`);
    const [, dashes, key, inline] = match;
    const spec = specs.find((s) => (dashes === '--' ? s.name === key : s.short === key));
    if (!spec) throw new UsageError(`unknown option ${arg.split('=')[0]}`);
    if (flags.has(spec.name)) throw new UsageError(`option --${spec.name} given twice`);
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`option --${spec.name} takes no value`);
      flags.set(spec.name, 'true');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`option --${spec.name} needs a value`);
    flags.set(spec.name, value);
  }
  return flags;
}

/** An RFC 3339 time, or the current time (second precision). */
export function timeFlag(value: string | undefined): string {
  if (value === undefined) return formatTime(Date.now());
  const millis = Date.parse(value);
  if (Number.isNaN(millis) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new UsageError(`--now must be an RFC 3339 time such as 2026-01-01T00:00:00Z, not "${value}"`);
  }
  return formatTime(millis);
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Kubernetes objects from a multi-document YAML or JSON file (`-` is stdin); `List`s are flattened. */
export function readObjects(path: string, io: Io): Obj[] {
  let text: string;
  const source = path === '-' ? 'stdin' : path;
  try {
    text = path === '-' ? io.readStdin() : io.readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InputError(
      `${source}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read'}`,
    );
  }
  const objects: Obj[] = [];
  for (const [index, value] of documents(text, source).entries()) {
    if (value === null || value === undefined) continue;
    const items =
      isRecord(value) &&
      typeof value.kind === 'string' &&
      value.kind.endsWith('List') &&
      Array.isArray(value.items)
        ? value.items
        : [value];
    for (const item of items) objects.push(checkObject(item, `${source}: document ${index + 1}`));
  }
  return objects;
}

function documents(text: string, source: string): unknown[] {
  // A single JSON document (kubectl get -o json) parses much faster as JSON; YAML reports errors.
  if (text.trimStart().startsWith('{')) {
    try {
      return [JSON.parse(text)];
    } catch {
      // Not one JSON document: YAML may still read it, or say where it breaks.
    }
  }
  const docs = parseAllDocuments(text);
  return (Array.isArray(docs) ? docs : []).map((doc) => {
    const error = doc.errors[0];
    if (error) throw new InputError(`${source}: not valid YAML or JSON: ${error.message.split('\n')[0]}`);
    return doc.toJS() as unknown;
  });
}

function checkObject(value: unknown, where: string): Obj {
  if (!isRecord(value)) throw new InputError(`${where} is not a Kubernetes object`);
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') throw new InputError(`${where} has no apiVersion`);
  if (typeof kind !== 'string' || kind === '') throw new InputError(`${where} has no kind`);
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new InputError(`${where} (${kind}) has no metadata.name`);
  }
  return value as Obj;
}

const PARENT = RELATED_KINDS.WeightsAndBiases;

/** The one WeightsAndBiases in a file, in namespace `default` unless it names one. */
export function loadParent(path: string, io: Io): Obj {
  const objects = readObjects(path, io);
  const source = path === '-' ? 'stdin' : path;
  const parents = objects.filter((o) => o.kind === PARENT.kind);
  const others = objects.filter((o) => o.kind !== PARENT.kind).map((o) => o.kind);
  if (parents.length !== 1 || others.length > 0) {
    const found = parents.length === 0 ? 'none' : String(parents.length);
    const extra = others.length > 0 ? ` and other objects (${[...new Set(others)].join(', ')})` : '';
    throw new InputError(`${source}: expected exactly one WeightsAndBiases, found ${found}${extra}`);
  }
  const parent = clone(parents[0] as Obj);
  if (parent.apiVersion !== PARENT.apiVersion) {
    throw new InputError(
      `${source}: WeightsAndBiases ${parent.metadata.name} has apiVersion ${parent.apiVersion}; the hooks serve ${PARENT.apiVersion}`,
    );
  }
  parent.metadata.namespace ||= 'default';
  return parent;
}

/** Usage errors exit 2 with the usage, bad input 1; anything else is a bug and is rethrown. */
export function reportError(command: string, error: unknown, usage: string, io: Io): number {
  if (error instanceof UsageError) {
    io.stderr(`wandb-hooks ${command}: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (
    error instanceof InputError ||
    error instanceof HookError ||
    error instanceof ControllerError ||
    error instanceof ApiError
  ) {
    io.stderr(`wandb-hooks ${command}: ${error.message}\n`);
    return 1;
  }
  throw error;
}
