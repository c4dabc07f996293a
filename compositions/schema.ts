// The zod building blocks every component's spec slice is made of (compositions/components/*.ts);
// parent.ts assembles the slices into the WeightsAndBiases schema.
import { z } from 'zod';

export const SIZES = ['dev', 'small'] as const;
export type Size = (typeof SIZES)[number];
export const DEFAULT_SIZE: Size = 'dev';

/** CEL rules on one field's own value. The transition rules are in admission.ts, on the object's root. */
export const celRules = (rules: Array<{ rule: string; message: string }>) => ({
  'x-kubernetes-validations': rules,
});

// Kubernetes' own quantity pattern (as in corev1.ResourceRequirements).
const QUANTITY_PATTERN =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

const ResourceQuantity = z
  .union([z.number().int(), z.string().regex(QUANTITY_PATTERN)])
  .meta({ 'x-kubernetes-int-or-string': true });

export const ResourceRequirements = z
  .strictObject({
    limits: z
      .record(z.string(), ResourceQuantity)
      .optional()
      .describe('Limits describes the maximum amount of compute resources allowed.'),
    requests: z
      .record(z.string(), ResourceQuantity)
      .optional()
      .describe('Requests describes the minimum amount of compute resources required.'),
    claims: z
      .array(z.strictObject({ name: z.string(), request: z.string().optional() }))
      .optional()
      .describe(
        'Claims lists the names of resources, defined in spec.resourceClaims, used by this container.',
      ),
  })
  .describe('ResourceRequirements describes the compute resource requirements.');
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

export const RetentionPolicy = z
  .strictObject({
    onDelete: z
      .enum(['retain', 'purge'])
      .describe(
        'What happens to data volumes and credentials when the component is removed (parent deleted or enabled: false): ' +
          'retain keeps them for a later parent to reuse; purge deletes them.',
      ),
  })
  .describe(
    'Addition. Retention of data when the component is removed. Resolved in the hook: the per-component policy, ' +
      'then spec.retentionPolicy, then purge if autoCleanupEnabled is true, else retain.',
  );
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

const Telemetry = z
  .strictObject({ enabled: z.boolean().default(true) })
  .describe('Telemetry defines telemetry configuration for infrastructure components');

// A Kubernetes quantity without a sign, or empty (the preset, as the reference's webhook read it). In
// the CRD only: the hook reports a value that is not a quantity as InvalidSpec, for objects admitted
// before the pattern existed. maxLength bounds the cost of the CEL rules that read it.
const STORAGE_SIZE_PATTERN =
  /^$|^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

export const StorageSize = z
  .string()
  .meta({ pattern: STORAGE_SIZE_PATTERN.source, maxLength: 64 })
  .describe('Size of each data volume, as a Kubernetes quantity (e.g. 10Gi). Defaults from spec.size.');

export const componentFields = {
  enabled: z.boolean().describe('Whether the hooks run this component.'),
  name: z
    .string()
    .optional()
    .describe(
      'Base name of the component\'s custom resources (the reference\'s suffixes are added, e.g. "<name>-cluster" for ' +
        'Percona). Defaults to "<parent>-<component>", shortened with a stable hash when an operator limit requires it.',
    ),
  namespace: z
    .string()
    .optional()
    .describe(
      "Must be empty or the parent's namespace: Metacontroller keeps children in the parent's namespace.",
    ),
  storageSize: StorageSize.optional(),
  telemetry: Telemetry.optional(),
  retentionPolicy: RetentionPolicy.optional(),
} as const;

/**
 * The most servers any replica field takes (and a MinIO pool's `servers`). The hooks build a name for
 * each server's volume on every sync: int32's maximum made V8 abort the hook server (an array of names
 * past its limit).
 */
export const MAX_REPLICAS = 64;

export const Replicas = z.number().int().min(0).max(MAX_REPLICAS);
