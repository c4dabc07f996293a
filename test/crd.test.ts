import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { COMPONENTS } from '../compositions/components/index.js';
import { kafka } from '../compositions/components/kafka.js';
import { minio } from '../compositions/components/minio.js';
import { mysql } from '../compositions/components/mysql.js';
import { SIZES } from '../compositions/schema.js';
import { CRD_PATH, crdYaml } from '../scripts/manifests.js';
import { sharedDir } from './support/shared.js';

type Node = { [key: string]: unknown };
const committed = readFileSync(CRD_PATH, 'utf8');
const crd = parse(committed) as Node;
const version = ((crd.spec as Node).versions as Node[])[0] as Node;
const schema = (version.schema as Node).openAPIV3Schema as Node;

function walk(node: unknown, path: string, visit: (node: Node, path: string) => void): void {
  if (node === null || typeof node !== 'object') return;
  visit(node as Node, path);
  const n = node as Node;
  for (const [key, child] of Object.entries((n.properties as Record<string, unknown>) ?? {}))
    walk(child, `${path}.${key}`, visit);
  if (n.items) walk(n.items, `${path}[]`, visit);
  if (n.additionalProperties && typeof n.additionalProperties === 'object')
    walk(n.additionalProperties, `${path}{}`, visit);
}

describe('manifests/crd.yaml', () => {
  test('is exactly what the zod schema generates (run `npm run manifests` after changing compositions/)', () => {
    expect(committed).toBe(crdYaml());
  });

  test('keeps the reference identity: group, kind, plural, shortName wandb, namespaced, v2 storage with status subresource', () => {
    const spec = crd.spec as Node;
    expect(spec.group).toBe('apps.wandb.com');
    expect(spec.scope).toBe('Namespaced');
    expect(spec.names).toMatchObject({
      kind: 'WeightsAndBiases',
      plural: 'weightsandbiases',
      shortNames: ['wandb'],
    });
    expect(version).toMatchObject({ name: 'v2', served: true, storage: true, subresources: { status: {} } });
  });

  test('has the reference printer columns', () => {
    const columns = (version.additionalPrinterColumns as Node[]).map((c) => [c.name, c.jsonPath]);
    expect(columns).toEqual(
      expect.arrayContaining([
        ['Ready', '.status.ready'],
        ['MySQL', '.status.mysqlStatus.state'],
        ['Redis', '.status.redisStatus.state'],
        ['Kafka', '.status.kafkaStatus.state'],
        ['Minio', '.status.minioStatus.state'],
        ['ClickHouse', '.status.clickhouseStatus.state'],
      ]),
    );
  });

  test('is structural: every node has a type (or is int-or-string), no additionalProperties beside properties, no $ref', () => {
    const problems: string[] = [];
    walk(schema, 'root', (node, path) => {
      if (node.type === undefined && node['x-kubernetes-int-or-string'] !== true)
        problems.push(`${path}: no type`);
      if (node.properties && node.additionalProperties !== undefined)
        problems.push(`${path}: properties and additionalProperties`);
      if ('$ref' in node) problems.push(`${path}: $ref`);
      if (node.anyOf && node['x-kubernetes-int-or-string'] !== true)
        problems.push(`${path}: anyOf outside int-or-string`);
    });
    expect(problems).toEqual([]);
  });

  test('has no schema default for retentionPolicy (the hook resolves it, so autoCleanupEnabled can mean purge)', () => {
    const spec = (schema.properties as Node).spec as Node;
    const retention = (spec.properties as Node).retentionPolicy as Node;
    expect(retention.default).toBeUndefined();
    expect(((retention.properties as Node).onDelete as Node).default).toBeUndefined();
  });

  test('carries descriptions from the zod schema', () => {
    const spec = (schema.properties as Node).spec as Node;
    expect(typeof spec.description).toBe('string');
  });

  // The rules themselves run in Kubernetes' own CEL validator: test/cel (npm run test:cel).
  test('puts every transition rule on the root, where both sides of every update exist, naming a real field', () => {
    const rules = schema['x-kubernetes-validations'] as Node[];
    expect(rules.map((r) => r.fieldPath)).toEqual([
      '.spec.size',
      '.spec.mysql.storageSize',
      '.spec.mysql.version',
      '.spec.mysql.replicas',
      '.spec.redis.version',
      '.spec.redis.sentinel.enabled',
      '.spec.redis.storageSize',
      '.spec.kafka.storageSize',
      '.spec.kafka.version',
      '.spec.kafka.replicas',
      '.spec.minio.version',
      '.spec.minio.replicas',
      '.spec.minio.storageSize',
      '.spec.minio.pools',
      '.spec.clickhouse.storageSize',
      '.spec.clickhouse.version',
      '.spec.clickhouse.replicas',
    ]);
    for (const rule of rules) {
      const node = (rule.fieldPath as string)
        .slice(1)
        .split('.')
        .reduce<Node | undefined>((n, key) => (n?.properties as Node | undefined)?.[key] as Node, schema);
      expect(node, rule.fieldPath as string).toBeDefined();
      expect(rule.rule).toContain('oldSelf');
    }
    const nested: string[] = [];
    walk(schema.properties, 'root', (node, path) => {
      const nodeRules = (node['x-kubernetes-validations'] ?? []) as Node[];
      if (nodeRules.some((r) => String(r.rule).includes('oldSelf'))) nested.push(path);
    });
    expect(nested).toEqual([]);
  });

  test("takes the presets of its rules from each component's presets", () => {
    const rules = schema['x-kubernetes-validations'] as Node[];
    const ruleFor = (field: string) => String(rules.find((r) => r.fieldPath === `.spec.${field}`)?.rule);
    for (const size of SIZES) {
      for (const component of COMPONENTS) {
        expect(ruleFor(`${component.name}.storageSize`)).toContain(
          `'${component.presets[size].storageSize}'`,
        );
      }
      for (const component of [mysql, kafka, minio]) {
        expect(ruleFor(`${component.name}.replicas`)).toMatch(
          new RegExp(`[?:] ${component.presets[size].replicas}\\b`),
        );
      }
    }
  });

  test('bounds every storageSize with a quantity pattern and a maxLength (the cost of the rules depends on it)', () => {
    const sizes: Node[] = [];
    walk(schema, 'root', (node, path) => {
      if (path.endsWith('.storageSize')) sizes.push(node);
    });
    expect(sizes).toHaveLength(COMPONENTS.length + 1); // one per component, and MinIO's added pools'
    for (const node of sizes) {
      expect(node.maxLength).toBe(64);
      const pattern = new RegExp(node.pattern as string);
      for (const good of ['10Gi', '1024Mi', '1.5Ti', '10G', '']) expect(pattern.test(good), good).toBe(true);
      for (const bad of ['ten gigs', '-1Gi', '10 Gi', '10gi']) expect(pattern.test(bad), bad).toBe(false);
    }
  });

  test('covers every spec field of the reference CRD (v2), with the same name and type', () => {
    const reference = parse(
      readFileSync(path.join(sharedDir(), 'reference', 'wandb-v2-crd-reference.yaml'), 'utf8'),
    ) as Node;
    const referenceVersion = ((reference.spec as Node).versions as Node[]).find(
      (v) => v.name === 'v2',
    ) as Node;
    const referenceSchema = (referenceVersion.schema as Node).openAPIV3Schema as Node;
    const ours = new Map<string, unknown>();
    walk((schema.properties as Node).spec, 'spec', (node, path) =>
      ours.set(path, node.type ?? 'int-or-string'),
    );
    const missing: string[] = [];
    walk((referenceSchema.properties as Node).spec as Node, 'spec', (node, path) => {
      const type = node.type ?? 'int-or-string';
      if (ours.get(path) !== type) missing.push(`${path} (${String(type)})`);
    });
    expect(missing).toEqual([]);
  });
});
