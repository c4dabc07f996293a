// The WeightsAndBiases CustomResourceDefinition, built from the zod schemas in parent.ts. zod emits
// JSON Schema; Kubernetes wants a *structural* OpenAPI schema, so a few constructs are rewritten.
import { z } from 'zod';
import { transitionRules } from './admission.js';
import type { Component } from './component.js';
import { COMPONENTS } from './components/index.js';
import { parentSchemas } from './parent.js';

type Schema = { [key: string]: unknown };

/** Rewrite zod's JSON Schema into a structural schema the API server accepts. */
function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (node === null || typeof node !== 'object') return node;
  const input = node as Schema;
  if (input['x-kubernetes-int-or-string'] === true) {
    const pattern = (input.anyOf as Schema[] | undefined)?.find(
      (s) => typeof s.pattern === 'string',
    )?.pattern;
    return {
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      ...(pattern ? { pattern } : {}),
      'x-kubernetes-int-or-string': true,
    };
  }
  const output: Schema = {};
  for (const [key, value] of Object.entries(input)) {
    // `additionalProperties: false` is implied by `properties` (the API server prunes the rest),
    // and `propertyNames`/`$schema` are not part of Kubernetes' OpenAPI subset.
    if (key === '$schema' || key === 'propertyNames') continue;
    if (key === 'additionalProperties' && value === false) continue;
    output[key] = structural(value);
  }
  return output;
}

function conditionsAsMap(statusSchema: Schema): Schema {
  // metav1.Condition lists are maps keyed by type, as in every Kubernetes API.
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const output: Schema = {};
    for (const [key, value] of Object.entries(node as Schema)) {
      output[key] =
        key === 'conditions' && (value as Schema).type === 'array'
          ? {
              ...(walk(value) as Schema),
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['type'],
            }
          : walk(value);
    }
    return output;
  };
  return walk(statusSchema) as Schema;
}

const jsonSchema = (schema: z.ZodType) =>
  structural(
    z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }),
  ) as Schema;

/** A component's printer column: its state, under its title. */
const stateColumn = (component: Component) => ({
  name: component.title,
  type: 'string',
  jsonPath: `.status.${component.name}Status.state`,
});

export function weightsAndBiasesCrd(components: readonly Component[] = COMPONENTS): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: 'weightsandbiases.apps.wandb.com',
      labels: { 'app.kubernetes.io/part-of': 'wandb', 'app.kubernetes.io/managed-by': 'wandb-infra-hooks' },
    },
    spec: {
      group: 'apps.wandb.com',
      names: {
        kind: 'WeightsAndBiases',
        listKind: 'WeightsAndBiasesList',
        plural: 'weightsandbiases',
        singular: 'weightsandbiases',
        shortNames: ['wandb'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v2',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'boolean', jsonPath: '.status.ready' },
            ...components.map(stateColumn),
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              description: 'WeightsAndBiases declares the stateful infrastructure of one W&B deployment.',
              type: 'object',
              'x-kubernetes-validations': transitionRules(components),
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: jsonSchema(parentSchemas(components).spec),
                status: conditionsAsMap(jsonSchema(parentSchemas(components).status)),
              },
            },
          },
        },
      ],
    },
  };
}
