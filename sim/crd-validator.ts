/**
 * Offline validation of custom resources against the upstream CRDs in `shared/crds`.
 *
 * The goal is to reject what the Kubernetes API server would reject on create/update with
 * `fieldValidation=Strict`, using only the CRD's `openAPIV3Schema`:
 *
 * - Unknown fields. CRD schemas are structural: the API server prunes (Strict: rejects) every field that
 *   is not declared. So every `type: object` node gets `additionalProperties: false`, unless it declares
 *   `additionalProperties` itself (a map) or sets `x-kubernetes-preserve-unknown-fields: true`. This also
 *   applies to objects WITHOUT `properties` (e.g. Redis `status: {type: object}` or Redis
 *   `volumeClaimTemplate.metadata: {type: object}`): the server prunes everything inside such a node, so
 *   any field there is "unknown". `x-kubernetes-preserve-unknown-fields` only affects its own node; declared
 *   child properties below it are still checked strictly, as the pruning algorithm does.
 * - `x-kubernetes-int-or-string: true` becomes `type: [integer, string]`; `nullable: true` adds `null`.
 *   Null for a non-nullable field is rejected here. (The server would silently drop such a null from an
 *   object, so this is slightly stricter than the server, on purpose: a generator should not emit it.)
 * - `x-kubernetes-list-type: map` (unique key tuples, key defaults applied) and `set` (unique items) are
 *   enforced, as the server does.
 * - `x-kubernetes-validations` (CEL rules) are NOT evaluated. E.g. Strimzi `metricsConfig.valueFrom`,
 *   MinIO immutability rules, Percona `loadBalancerClass` rules pass unchecked. All other `x-kubernetes-*`
 *   vendor keywords, `description`, `default` and `example` are stripped from the schema given to ajv.
 * - Formats: `int32`/`int64` are integer ranges, `date-time`, `date`, `duration` and `byte` are checked
 *   with approximations of the Go (kube-openapi strfmt) parsers. Any other format is dropped (ignored),
 *   so ajv never sees an unknown format.
 * - Root `metadata` is replaced by a small ObjectMeta schema (see METADATA_SCHEMA); `apiVersion`/`kind`
 *   must match a served version of a CRD exactly. Defaulting is not applied.
 *
 * The CRD folder is `<repoRoot>/../shared/crds`, or `$WANDB_SHARED_DIR/crds` when that variable is set.
 * All CRD files are parsed once (about 1 s); each (apiVersion, kind) validator is compiled lazily, once.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type Format, type SchemaObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { CRD_PATH } from '../scripts/manifests.js';
import { REPO_ROOT, sharedDir, yamlFiles } from './shared.js';

export type CrdValidationResult = { valid: true } | { valid: false; errors: string[] };

export interface ServedKind {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

type JsonObject = Record<string, unknown>;

interface ServedVersion extends ServedKind {
  file: string;
  schema: JsonObject;
}

interface CrdIndex {
  served: Map<string, ServedVersion>;
  /** apiVersion/kind pairs that a CRD lists with `served: false`, for a better error message. */
  notServed: Set<string>;
}

function crdDirectory(): string {
  return path.join(sharedDir(), 'crds');
}

const key = (apiVersion: string, kind: string): string => `${apiVersion} ${kind}`;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

let index: CrdIndex | undefined;

function loadIndex(): CrdIndex {
  if (index) return index;
  const dir = crdDirectory();
  if (!existsSync(dir)) {
    throw new Error(`CRD directory ${dir} does not exist (set WANDB_SHARED_DIR to the shared folder)`);
  }
  const served = new Map<string, ServedVersion>();
  const notServed = new Set<string>();
  // The upstream CRDs, and ours (generated into manifests/), so parents validate the same way.
  // operators-full/ repeats some of them beside the CRDs only the real operators need (the e2e
  // suite installs them); the per-kind files are the ones to validate children against.
  const upstream = yamlFiles(dir).filter((file) => !path.relative(dir, file).startsWith('operators-full'));
  for (const file of [...upstream, CRD_PATH]) {
    const rel = path.relative(file === CRD_PATH ? REPO_ROOT : dir, file);
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${rel}: ${doc.errors[0]?.message}`);
      const crd: unknown = doc.toJS({ maxAliasCount: -1 });
      if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec)) continue;
      const { group, names, scope, versions } = crd.spec;
      if (typeof group !== 'string' || !isObject(names) || !Array.isArray(versions)) {
        throw new Error(`${rel}: unsupported CustomResourceDefinition (expected apiextensions.k8s.io/v1)`);
      }
      for (const version of versions as unknown[]) {
        if (!isObject(version) || typeof version.name !== 'string') continue;
        const apiVersion = `${group}/${version.name}`;
        const kind = String(names.kind);
        const k = key(apiVersion, kind);
        if (version.served !== true) {
          notServed.add(k);
          continue;
        }
        const schema = isObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
        if (!isObject(schema)) throw new Error(`${rel}: ${k} has no schema.openAPIV3Schema`);
        const previous = served.get(k);
        if (previous) throw new Error(`${k} is served by both ${previous.file} and ${rel}`);
        served.set(k, {
          apiVersion,
          kind,
          plural: String(names.plural),
          namespaced: scope === 'Namespaced',
          file: rel,
          schema,
        });
      }
    }
  }
  index = { served, notServed };
  return index;
}

// ---------------------------------------------------------------------------------------------
// Formats and custom keywords

const INT32 = 2 ** 31;
const INT64 = 2 ** 63;
// strfmt accepts RFC 3339 with optional seconds/fraction/zone (several Go layouts); this is a close match.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// Go time.ParseDuration syntax, or the strfmt fallback ("3 days", "1h 30min").
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
const STRFMT_DURATION =
  /^\s*(\d+\s*(ns|nanos?|us|µs|micros?|ms|millis?|s|secs?|m|mins?|h|hrs?|hours?|d|days?|w|wks?|weeks?)\s*)+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const SUBDOMAIN = new RegExp(DNS1123_SUBDOMAIN);
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

/** Label/annotation key: optional DNS-subdomain prefix (≤ 253) + '/' + name (≤ 63). */
function isQualifiedName(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2) return false;
  const name = parts.pop() ?? '';
  const prefix = parts[0];
  if (prefix !== undefined && (prefix.length > 253 || !SUBDOMAIN.test(prefix))) {
    return false;
  }
  return name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

const FORMATS: Record<string, Format> = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -INT64 && n < INT64 },
  'date-time': { type: 'string', validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) },
  date: { type: 'string', validate: (s: string) => DATE.test(s) && !Number.isNaN(Date.parse(s)) },
  duration: { type: 'string', validate: (s: string) => GO_DURATION.test(s) || STRFMT_DURATION.test(s) },
  byte: { type: 'string', validate: (s: string) => BASE64.test(s) },
  'k8s-qualified-name': { type: 'string', validate: isQualifiedName },
};

/** Our own keyword for `x-kubernetes-list-type: map`: key tuples must be unique. */
const LIST_MAP_KEYWORD = 'k8sListMapKeys';
interface ListMapKeys {
  keys: string[];
  defaults: JsonObject;
}

function listMapDuplicate(spec: ListMapKeys, items: unknown[]): string | undefined {
  const seen = new Map<string, number>();
  for (const [i, item] of items.entries()) {
    if (!isObject(item)) continue;
    const tuple = JSON.stringify(spec.keys.map((k) => item[k] ?? spec.defaults[k] ?? null));
    const first = seen.get(tuple);
    if (first !== undefined) return `items [${first}] and [${i}] have the same map key ${tuple}`;
    seen.set(tuple, i);
  }
  return undefined;
}

function createAjv(): Ajv {
  // strict: false — CRD schemas use `required`/`properties` in oneOf branches without `type`, which
  // ajv's strict mode would reject. verbose: true gives errors the offending data for messages.
  // code.optimize: false roughly halves the compile time of the big schemas (Kafka, Percona: ~1.2 s →
  // ~0.7 s) without a measurable effect on validation speed.
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, code: { optimize: false } });
  for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, format);
  ajv.addKeyword({
    keyword: LIST_MAP_KEYWORD,
    type: 'array',
    schemaType: 'object',
    errors: true,
    validate: function validateListMap(spec: ListMapKeys, data: unknown[]): boolean {
      const duplicate = listMapDuplicate(spec, data);
      if (duplicate === undefined) return true;
      (validateListMap as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: LIST_MAP_KEYWORD, message: `must have unique list-map keys (${duplicate})`, params: {} },
      ];
      return false;
    },
  });
  return ajv;
}

// ---------------------------------------------------------------------------------------------
// Schema conversion

/** Value keywords passed through to ajv unchanged. Everything not listed here is dropped. */
const PASSTHROUGH = [
  'required',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
] as const;

const isIntOrStringPair = (anyOf: unknown): boolean =>
  Array.isArray(anyOf) &&
  anyOf.length === 2 &&
  anyOf.every((branch) => isObject(branch) && Object.keys(branch).length === 1) &&
  (anyOf[0] as JsonObject).type === 'integer' &&
  (anyOf[1] as JsonObject).type === 'string';

/**
 * Converts one CRD schema node to an ajv schema. `structural` is false inside anyOf/allOf/oneOf/not:
 * those branches only add value validation (structural schemas declare fields outside them), so no
 * `additionalProperties: false` is added there.
 */
function convert(node: unknown, structural: boolean): unknown {
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  const preserveUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = node['x-kubernetes-int-or-string'] === true;

  let types: string[] | undefined;
  if (intOrString) types = ['integer', 'string'];
  else if (typeof node.type === 'string') types = [node.type];
  if (types && node.nullable === true) types.push('null');
  if (types) out.type = types.length === 1 ? types[0] : types;

  for (const keyword of PASSTHROUGH) {
    if (node[keyword] !== undefined) out[keyword] = node[keyword];
  }
  if (node.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) {
    out.enum = [...out.enum, null];
  }
  if (typeof node.format === 'string' && node.format in FORMATS) out.format = node.format;

  if (isObject(node.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([name, child]) => [name, convert(child, structural)]),
    );
  }
  if (node.items !== undefined) out.items = convert(node.items, structural);
  if (node.additionalProperties !== undefined) {
    out.additionalProperties = convert(node.additionalProperties, structural);
  }
  for (const junctor of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = node[junctor];
    if (!Array.isArray(branches)) continue;
    if (junctor === 'anyOf' && intOrString && isIntOrStringPair(branches)) continue; // covered by `type`
    out[junctor] = branches.map((branch) => convert(branch, false));
  }
  if (node.not !== undefined) out.not = convert(node.not, false);

  if (node['x-kubernetes-embedded-resource'] === true) {
    // Embedded objects may always carry apiVersion, kind and metadata.
    const props = (out.properties ?? {}) as JsonObject;
    out.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...props,
    };
  }

  const listType = node['x-kubernetes-list-type'];
  if (listType === 'set') out.uniqueItems = true;
  const mapKeys = node['x-kubernetes-list-map-keys'];
  if (listType === 'map' && Array.isArray(mapKeys)) {
    const itemProps = isObject(node.items) && isObject(node.items.properties) ? node.items.properties : {};
    const defaults: JsonObject = {};
    for (const k of mapKeys as string[]) {
      const prop = itemProps[k];
      if (isObject(prop) && prop.default !== undefined) defaults[k] = prop.default;
    }
    out[LIST_MAP_KEYWORD] = { keys: mapKeys, defaults } satisfies ListMapKeys;
  }

  if (
    structural &&
    types?.includes('object') &&
    !preserveUnknown &&
    node.additionalProperties === undefined
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * ObjectMeta as a client may send it. Server-populated fields (uid, resourceVersion, generation,
 * creationTimestamp, managedFields, ...) are rejected: a generator must never set them. `name` is
 * required (generateName alone is not enough for composed children).
 */
const METADATA_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN },
    namespace: { type: 'string', minLength: 1, maxLength: 63, pattern: DNS1123_LABEL },
    labels: {
      type: 'object',
      propertyNames: { format: 'k8s-qualified-name' },
      additionalProperties: { type: 'string', maxLength: 63, pattern: LABEL_VALUE },
    },
    annotations: {
      type: 'object',
      propertyNames: { format: 'k8s-qualified-name' },
      additionalProperties: { type: 'string' },
    },
    finalizers: { type: 'array', items: { type: 'string', minLength: 1 } },
    ownerReferences: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['apiVersion', 'kind', 'name', 'uid'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          uid: { type: 'string' },
          controller: { type: 'boolean' },
          blockOwnerDeletion: { type: 'boolean' },
        },
      },
    },
  },
};

function rootSchema(served: ServedVersion): SchemaObject {
  const root = convert(served.schema, true) as JsonObject;
  root.type = 'object';
  root.properties = {
    ...((root.properties ?? {}) as JsonObject),
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: METADATA_SCHEMA,
  };
  const required = Array.isArray(root.required) ? (root.required as string[]) : [];
  root.required = [...new Set(['apiVersion', 'kind', 'metadata', ...required])];
  return root;
}

// ---------------------------------------------------------------------------------------------
// Validation

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(served: ServedVersion): ValidateFunction {
  const k = key(served.apiVersion, served.kind);
  let validate = validators.get(k);
  if (!validate) {
    ajv ??= createAjv();
    validate = ajv.compile(rootSchema(served));
    validators.set(k, validate);
  }
  return validate;
}

/** JSON pointer → `spec.kafka.listeners[0].type`; keys that are not identifiers become `["a.b/c"]`. */
function dottedPath(pointer: string, extra?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/');
  if (extra !== undefined) segments.push(extra.replaceAll('~', '~0').replaceAll('/', '~1'));
  let out = '';
  for (const raw of segments) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][-\w$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(root)' : out;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function formatError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const where = error.instancePath;
  let extra = error.propertyName;
  let detail = '';
  switch (error.keyword) {
    case 'additionalProperties':
      extra = String(params.additionalProperty);
      detail = ` (${extra})`;
      break;
    case 'enum':
      detail = ` (${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${preview(error.data)})`;
      break;
    case 'type':
    case 'pattern':
    case 'format':
    case 'maxLength':
    case 'minLength':
    case 'minimum':
    case 'maximum':
      detail = ` (got ${preview(error.data)})`;
      break;
    default:
      break;
  }
  return `${dottedPath(where, extra)}: ${error.message ?? error.keyword}${detail}`;
}

/**
 * Validates a custom resource against the served version of its CRD (see the module comment for the
 * exact semantics). Fast after the first call per (apiVersion, kind).
 */
export function validateAgainstCrd(object: unknown): CrdValidationResult {
  if (!isObject(object) || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
    return { valid: false, errors: ['(root): must be an object with string apiVersion and kind'] };
  }
  const { apiVersion, kind } = object;
  const crds = loadIndex();
  const served = crds.served.get(key(apiVersion, kind));
  if (!served) {
    const why = crds.notServed.has(key(apiVersion, kind)) ? ' (the version exists but is not served)' : '';
    return { valid: false, errors: [`no CRD serves ${apiVersion} ${kind}${why}`] };
  }
  const validate = validatorFor(served);
  if (validate(object)) return { valid: true };
  // propertyNames wraps the more precise inner error (reported too, thanks to allErrors).
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'propertyNames').map(formatError);
  return { valid: false, errors: [...new Set(errors)] };
}

/** Throws an Error listing every problem; for use inside tests. */
export function assertValidAgainstCrd(object: unknown): void {
  const result = validateAgainstCrd(object);
  if (result.valid) return;
  const obj = isObject(object) ? object : {};
  const name =
    isObject(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '<unnamed>';
  const what = `${String(obj.kind ?? '<no kind>')} ${name} (${String(obj.apiVersion ?? '<no apiVersion>')})`;
  throw new Error(
    `${what} is not valid against its CRD:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`,
  );
}

/** The `openAPIV3Schema` of the served version of a kind, as its CRD declares it (defaults included). */
export function crdSchema(apiVersion: string, kind: string): JsonObject | undefined {
  return loadIndex().served.get(key(apiVersion, kind))?.schema;
}

/** Every (apiVersion, kind) served by the CRDs, sorted by apiVersion then kind. */
export function servedKinds(): ServedKind[] {
  return [...loadIndex().served.values()]
    .map(({ apiVersion, kind, plural, namespaced }) => ({ apiVersion, kind, plural, namespaced }))
    .sort((a, b) => a.apiVersion.localeCompare(b.apiVersion) || a.kind.localeCompare(b.kind));
}
