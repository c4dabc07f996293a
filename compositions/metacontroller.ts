// The Metacontroller hook contract (hooks `version: v2`, Metacontroller v4.17): requests are parsed
// leniently, since Metacontroller may add fields; responses are checked strictly before they leave,
// since v2 decodes them strictly and a malformed one must never reach it.
import { z } from 'zod';

// The API server's own bounds: object names are DNS subdomains (≤ 253), namespaces DNS labels (≤ 63).
// No object it stores exceeds them, and checking them first keeps name handling cheap on any input.
const MAX_NAME = 253;
const MAX_NAMESPACE = 63;

const Metadata = z.looseObject({
  name: z.string().min(1).max(MAX_NAME),
  namespace: z.string().max(MAX_NAMESPACE).optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(z.unknown()).optional(),
});

export const KubeObjectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: Metadata,
});

const isString = (v: unknown): v is string => typeof v === 'string';
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
/** Absent, or an object of strings (labels, annotations); no array of values built per object. */
function isStringMap(v: unknown): boolean {
  if (v === undefined) return true;
  if (!isPlainObject(v)) return false;
  for (const key in v) if (typeof v[key] !== 'string') return false;
  return true;
}
/** `KubeObjectSchema`'s checks, in place: a zod object schema copies every object, and requests carry many. */
function isKubeObject(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const { apiVersion, kind, metadata: m } = value;
  if (!isString(apiVersion) || apiVersion === '' || !isString(kind) || kind === '') return false;
  if (!isPlainObject(m)) return false;
  return (
    isString(m.name) &&
    m.name !== '' &&
    m.name.length <= MAX_NAME &&
    (m.namespace === undefined || (isString(m.namespace) && m.namespace.length <= MAX_NAMESPACE)) &&
    (m.uid === undefined || isString(m.uid)) &&
    (m.generation === undefined || Number.isInteger(m.generation)) &&
    (m.creationTimestamp === undefined || isString(m.creationTimestamp)) &&
    (m.deletionTimestamp === undefined || isString(m.deletionTimestamp)) &&
    isStringMap(m.labels) &&
    isStringMap(m.annotations) &&
    (m.finalizers === undefined || (Array.isArray(m.finalizers) && m.finalizers.every(isString))) &&
    (m.ownerReferences === undefined || Array.isArray(m.ownerReferences))
  );
}
const KubeObjectInPlace = z.custom<z.infer<typeof KubeObjectSchema>>(isKubeObject, {
  error:
    'must be a Kubernetes object: apiVersion, kind, metadata.name (at most 253 characters), a namespace of at most 63, metadata fields of their types',
});

/** `{ "<Kind>.<group>/<version>": { "<namespace>/<name>": object } }`; may be absent or null. */
const ObjectMapSchema = z
  .record(z.string(), z.record(z.string(), KubeObjectInPlace).nullable())
  .nullable()
  .optional();
type ObjectMap = Record<string, Record<string, z.infer<typeof KubeObjectSchema>>>;

/** `ObjectMapSchema`'s checks, in place. */
function isObjectMap(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (!isPlainObject(value)) return false;
  for (const group of Object.values(value)) {
    if (group === null) continue;
    if (!isPlainObject(group)) return false;
    for (const object of Object.values(group)) if (!isKubeObject(object)) return false;
  }
  return true;
}

/**
 * The maps are checked in place, and only a map that fails goes through the zod schema, for its
 * messages: a zod record copies every group, which was half the request's validation on a full
 * parent. Null groups read as empty.
 */
const ObjectMap = z
  .unknown()
  .optional() // may be absent: the key stays optional in the request schema
  .superRefine((value, context) => {
    if (isObjectMap(value)) return;
    for (const issue of ObjectMapSchema.safeParse(value).error?.issues ?? [])
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
  })
  .transform((value): ObjectMap => {
    const map = (value ?? {}) as Record<string, ObjectMap[string] | null>;
    if (!Object.values(map).includes(null)) return map as ObjectMap;
    // fromEntries defines own keys: an assignment to a key `__proto__` would set the prototype
    // instead, and the objects under it would be missing from the map, hence deleted.
    return Object.fromEntries(Object.entries(map).map(([key, group]) => [key, group ?? {}]));
  });

const Parent = KubeObjectSchema.extend({
  metadata: Metadata.extend({ namespace: z.string().min(1).max(MAX_NAMESPACE), uid: z.string().min(1) }),
  spec: z.unknown().optional(),
  status: z.unknown().optional(),
});

export const CompositeSyncRequest = z.looseObject({
  controller: z.looseObject({}).optional(),
  parent: Parent,
  children: ObjectMap,
  related: ObjectMap,
  finalizing: z.boolean().optional().default(false),
});
export type CompositeSyncRequest = z.infer<typeof CompositeSyncRequest>;

export const CustomizeRequest = z.looseObject({
  controller: z.looseObject({}).optional(),
  parent: Parent,
});
export type CustomizeRequest = z.infer<typeof CustomizeRequest>;

export const DecoratorSyncRequest = z.looseObject({
  controller: z.looseObject({}).optional(),
  object: Parent,
  attachments: ObjectMap,
  related: ObjectMap,
  finalizing: z.boolean().optional().default(false),
});
export type DecoratorSyncRequest = z.infer<typeof DecoratorSyncRequest>;

// ---- responses ---------------------------------------------------------------------------------

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const DesiredMetadata = z.looseObject({
  name: z.string().max(253).regex(DNS_SUBDOMAIN, 'must be a DNS subdomain'),
  // Must be empty or the parent's: checked against the request by checkChildren().
  namespace: z.string().optional(),
  generateName: z.never({ error: 'generateName cannot be used by Metacontroller children' }).optional(),
  labels: z.record(z.string(), z.string().max(63)).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});

export const DesiredObject = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: DesiredMetadata,
  status: z.never({ error: 'children status is owned by their operator' }).optional(),
});

export const CompositeSyncResponse = z.strictObject({
  status: z.record(z.string(), z.unknown()),
  children: z.array(DesiredObject),
  resyncAfterSeconds: z.number().positive().optional(),
  finalized: z.boolean().optional(),
});
export type CompositeSyncResponse = z.infer<typeof CompositeSyncResponse>;

export const RelatedResourceRule = z.strictObject({
  apiVersion: z.string().min(1),
  resource: z.string().min(1),
  namespace: z.string().min(1),
  names: z.array(z.string().min(1)).min(1).readonly().optional(),
  labelSelector: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }).optional(),
});
export type RelatedResourceRule = z.infer<typeof RelatedResourceRule>;

export const CustomizeResponse = z.strictObject({
  relatedResources: z.array(RelatedResourceRule),
});
export type CustomizeResponse = z.infer<typeof CustomizeResponse>;

export const DecoratorSyncResponse = z.strictObject({
  labels: z.record(z.string(), z.string().nullable()).optional(),
  annotations: z.record(z.string(), z.string().nullable()).optional(),
  status: z.null(),
  attachments: z.array(DesiredObject),
  resyncAfterSeconds: z.number().positive().optional(),
  finalized: z.boolean().optional(),
});
export type DecoratorSyncResponse = z.infer<typeof DecoratorSyncResponse>;
