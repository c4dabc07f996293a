/**
 * Offline validation of WeightsAndBiases parents against our own CRD, manifests/crd.yaml, with the
 * semantics of crd-validator.ts (which reads only the upstream CRDs in shared/crds):
 *
 * - Structural pruning as `fieldValidation=Strict`: every `type: object` node without
 *   `additionalProperties` or `x-kubernetes-preserve-unknown-fields` rejects unknown fields.
 * - `x-kubernetes-int-or-string` becomes `type: [integer, string]`; `nullable` adds `null`.
 * - `x-kubernetes-list-type: set` means unique items; `map` means unique key tuples.
 * - CEL rules (`x-kubernetes-validations`) are not evaluated; defaults are not applied.
 * - The root `metadata` is a small ObjectMeta (name, namespace, labels, annotations), as a user writes it.
 *
 * Our CRD is generated from a zod schema and uses a small set of keywords; any other keyword makes
 * the conversion throw, so a generator change cannot silently weaken these checks.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { CRD_PATH } from './crd-file.js';
import type { CrdValidationResult } from './crd-validator.js';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords copied to ajv unchanged. */
const PASSTHROUGH = new Set([
  'required',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
]);
/** Keywords handled below, or without effect on validation. */
const HANDLED = new Set([
  'type',
  'properties',
  'items',
  'additionalProperties',
  'anyOf',
  'nullable',
  'description',
  'default',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);

const UNIQUE_MAP_KEYS = 'k8sListMapKeys';

function convert(node: JsonObject, where: string): JsonObject {
  for (const keyword of Object.keys(node)) {
    if (!PASSTHROUGH.has(keyword) && !HANDLED.has(keyword)) {
      throw new Error(`${where}: CRD keyword "${keyword}" is not supported by parent-validator.ts`);
    }
  }
  const out: JsonObject = {};
  const types: string[] =
    node['x-kubernetes-int-or-string'] === true
      ? ['integer', 'string']
      : typeof node.type === 'string'
        ? [node.type]
        : [];
  if (node.nullable === true) types.push('null');
  if (types.length > 0) out.type = types.length === 1 ? types[0] : types;
  for (const keyword of PASSTHROUGH) if (node[keyword] !== undefined) out[keyword] = node[keyword];

  if (isObject(node.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([name, child]) => [
        name,
        convert(child as JsonObject, `${where}.${name}`),
      ]),
    );
  }
  if (isObject(node.items)) out.items = convert(node.items, `${where}[]`);
  if (isObject(node.additionalProperties))
    out.additionalProperties = convert(node.additionalProperties, `${where}{}`);
  if (Array.isArray(node.anyOf) && node['x-kubernetes-int-or-string'] !== true) {
    throw new Error(
      `${where}: anyOf outside x-kubernetes-int-or-string is not supported by parent-validator.ts`,
    );
  }
  if (node['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  if (node['x-kubernetes-list-type'] === 'map' && Array.isArray(node['x-kubernetes-list-map-keys'])) {
    out[UNIQUE_MAP_KEYS] = node['x-kubernetes-list-map-keys'];
  }
  if (
    node.type === 'object' &&
    node.additionalProperties === undefined &&
    node['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

const LABELS = {
  type: 'object',
  additionalProperties: { type: 'string' },
};

const METADATA = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 253,
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
    },
    namespace: { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    labels: LABELS,
    annotations: LABELS,
  },
};

function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addKeyword({
    keyword: UNIQUE_MAP_KEYS,
    type: 'array',
    schemaType: 'array',
    validate: (keys: string[], items: unknown[]) => {
      const tuples = items.map((item) =>
        JSON.stringify(keys.map((k) => (isObject(item) ? item[k] : undefined))),
      );
      return new Set(tuples).size === tuples.length;
    },
  });
  return ajv;
}

interface ParentCrd {
  readonly apiVersion: string;
  readonly kind: string;
  readonly validate: ValidateFunction;
}

let cached: ParentCrd | undefined;

/** The served version of manifests/crd.yaml, compiled once. */
function parentCrd(): ParentCrd {
  if (cached) return cached;
  const crd = parse(readFileSync(CRD_PATH, 'utf8')) as JsonObject;
  const spec = crd.spec as JsonObject;
  const versions = (spec.versions as JsonObject[]).filter((v) => v.served === true);
  const [version] = versions;
  if (versions.length !== 1 || !version) throw new Error('manifests/crd.yaml must serve exactly one version');
  const schema = convert((version.schema as JsonObject).openAPIV3Schema as JsonObject, 'root');
  schema.properties = { ...(schema.properties as JsonObject), metadata: METADATA };
  schema.required = ['apiVersion', 'kind', 'metadata', ...((schema.required as string[] | undefined) ?? [])];
  cached = {
    apiVersion: `${String(spec.group)}/${String(version.name)}`,
    kind: String((spec.names as JsonObject).kind),
    validate: createAjv().compile(schema),
  };
  return cached;
}

const describeError = (e: ErrorObject): string => {
  const where = e.instancePath === '' ? '(root)' : e.instancePath.slice(1).replaceAll('/', '.');
  const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
  return `${where}: ${e.message ?? e.keyword}${extra}`;
};

/** Validates a WeightsAndBiases object against manifests/crd.yaml as the API server would. */
export function validateParent(object: unknown): CrdValidationResult {
  const crd = parentCrd();
  if (!isObject(object) || object.apiVersion !== crd.apiVersion || object.kind !== crd.kind) {
    return { valid: false, errors: [`(root): must be ${crd.apiVersion} ${crd.kind}`] };
  }
  if (crd.validate(object)) return { valid: true };
  return { valid: false, errors: [...new Set((crd.validate.errors ?? []).map(describeError))] };
}

/** Throws an Error listing every problem; for use inside tests. */
export function assertValidParent(object: unknown): void {
  const result = validateParent(object);
  if (!result.valid)
    throw new Error(`not a valid WeightsAndBiases:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
}
