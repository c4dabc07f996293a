// The API server's structural defaulting: every `default:` of a CRD's schema is filled in where a
// custom resource leaves the field out, on every write (apiextensions-apiserver's defaulting).
import type { Obj } from './cluster.js';
import { crdSchema } from './crd-validator.js';

type Json = Record<string, unknown>;

const isJson = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function applyDefaults(value: unknown, schema: unknown): void {
  if (!isJson(schema)) return;
  if (Array.isArray(value)) {
    for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isJson(value)) return;
  if (isJson(schema.properties)) {
    for (const [key, property] of Object.entries(schema.properties)) {
      if (value[key] === undefined && isJson(property) && property.default !== undefined) {
        value[key] = structuredClone(property.default);
      }
      if (value[key] !== undefined) applyDefaults(value[key], property);
    }
  }
  if (isJson(schema.additionalProperties)) {
    for (const item of Object.values(value)) applyDefaults(item, schema.additionalProperties);
  }
}

/**
 * Fills the spec's defaults in place, for kinds a CRD serves; other kinds are left alone. Only
 * `spec` is defaulted: statuses are written by operators that set every field they mean.
 */
export function applyCrdDefaults(object: Obj): void {
  const schema = crdSchema(object.apiVersion, object.kind);
  if (object.spec === undefined || !isJson(schema) || !isJson(schema.properties)) return;
  applyDefaults(object.spec, schema.properties.spec);
}
