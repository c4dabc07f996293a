// The WeightsAndBiases (apps.wandb.com/v2) API: the parent schema, assembled from the fields every
// parent has and each registered component's slice (`Component.schema`). The CRD in
// manifests/crd.yaml is generated from it (scripts/manifests.ts) and a test fails on drift.
// Field names and meanings follow the reference operator at d49cd81e (api/v2/weightsandbiases_types.go);
// additions are marked "Addition" in their descriptions and listed in docs/decisions.md.
import { z } from 'zod';
import type { Component } from './component.js';
import { COMPONENTS, type RegisteredComponent } from './components/index.js';
import { RetentionPolicy, SIZES } from './schema.js';

export type { ComponentName } from './components/index.js';

export const WandbAppSpec = z
  .strictObject({
    hostname: z.string(),
    license: z.string().optional(),
    additionalHostnames: z.array(z.string()).optional(),
    oidc: z
      .strictObject({
        clientId: z.string(),
        clientSecret: z.string(),
        issuerUrl: z.string(),
        authMethod: z.string(),
      })
      .optional()
      .describe('OpenID Connect settings for the W&B application.'),
  })
  .describe('WandbAppSpec defines the configuration for the Wandb application deployment.');

const PARENT_FIELDS = {
  size: z
    .enum(SIZES)
    // Bounds the cost of the CEL rules that read it (an enum alone does not).
    .meta({ maxLength: Math.max(...SIZES.map((s) => s.length)) })
    .optional()
    .describe('Size preset for every component: dev or small. Default dev. Fixed once the parent exists.'),
  autoCleanupEnabled: z
    .boolean()
    .optional()
    .describe(
      'Reference field. true purges data when the parent is deleted, unless a retentionPolicy says otherwise; ' +
        'false (default) retains it.',
    ),
  retentionPolicy: RetentionPolicy.optional(),
  wandb: WandbAppSpec.optional(),
};

type SpecSlices = { [C in RegisteredComponent as C['name']]: z.ZodOptional<C['schema']> };

/** The parent spec schema for a registry: the parent's own fields, then each component's slice. */
const specSchema = (components: readonly Component[]) =>
  z
    .strictObject({
      ...PARENT_FIELDS,
      // Typed by the registry the default schema is built from; another registry adds its own keys.
      ...(Object.fromEntries(components.map((c) => [c.name, c.schema.optional()])) as SpecSlices),
    })
    .describe('WeightsAndBiasesSpec defines the desired state of WeightsAndBiases.');

export const WeightsAndBiasesSpec = specSchema(COMPONENTS);
export type WeightsAndBiasesSpec = z.infer<typeof WeightsAndBiasesSpec>;

// ---- status ----------------------------------------------------------------------------------

export const Condition = z.strictObject({
  type: z.string().max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32768),
  lastTransitionTime: z.string().describe('RFC 3339 time of the last change of status.'),
  observedGeneration: z.number().int().min(0).optional(),
});
export type Condition = z.infer<typeof Condition>;

export const STATES = [
  'Healthy',
  'Degraded',
  'Unavailable',
  'Pending',
  'Error',
  'Unknown',
  'Disabled',
] as const;
export type State = (typeof STATES)[number];

const SecretKeySelector = z.strictObject({
  name: z.string().default(''),
  key: z.string(),
  optional: z.boolean().optional(),
});

export const ComponentStatus = z.strictObject({
  ready: z.boolean(),
  state: z.enum(STATES).optional(),
  conditions: z.array(Condition).optional(),
  connection: z.strictObject({ url: SecretKeySelector.optional() }).optional(),
});
export type ComponentStatus = z.infer<typeof ComponentStatus>;

type StatusSlices = {
  [C in RegisteredComponent as `${C['name']}Status`]: z.ZodOptional<typeof ComponentStatus>;
};

/** The parent status schema for a registry: `<name>Status` for each component, in registry order. */
const statusSchema = (components: readonly Component[]) =>
  z
    .strictObject({
      ready: z.boolean().describe('True when every enabled component is ready.'),
      observedGeneration: z
        .number()
        .int()
        .optional()
        .describe('Set by Metacontroller to metadata.generation.'),
      conditions: z
        .array(Condition)
        .optional()
        .describe('Addition. Ready, with the blocking components and why.'),
      ...(Object.fromEntries(
        components.map((c) => [`${c.name}Status`, ComponentStatus.optional()]),
      ) as StatusSlices),
      generatedSecrets: z
        .record(z.string(), SecretKeySelector)
        .optional()
        .describe('Reference field; unused here.'),
    })
    .describe('WeightsAndBiasesStatus defines the observed state of WeightsAndBiases.');

export const WeightsAndBiasesStatus = statusSchema(COMPONENTS);
export type WeightsAndBiasesStatus = z.infer<typeof WeightsAndBiasesStatus>;

export interface ParentSchemas {
  readonly spec: typeof WeightsAndBiasesSpec;
  readonly status: typeof WeightsAndBiasesStatus;
}

const built = new WeakMap<readonly Component[], ParentSchemas>([
  [COMPONENTS, { spec: WeightsAndBiasesSpec, status: WeightsAndBiasesStatus }],
]);

/**
 * The parent schemas for a registry, built once per registry. Another registry than COMPONENTS (a
 * test's) gets the same static types: its extra slices are checked at run time, not by the compiler.
 */
export function parentSchemas(components: readonly Component[]): ParentSchemas {
  let schemas = built.get(components);
  if (!schemas) {
    schemas = { spec: specSchema(components), status: statusSchema(components) };
    built.set(components, schemas);
  }
  return schemas;
}

export { COMPONENT_NAMES } from './components/index.js';
