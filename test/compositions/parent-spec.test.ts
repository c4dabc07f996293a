// The remembered parse and resolution of a parent's spec (compositions/parent-spec.ts) must answer
// exactly what parsing and resolving anew would, and never an earlier call's answer for another input.
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { COMPONENTS } from '../../compositions/components/index.js';
import { ObservedObjects } from '../../compositions/kube.js';
import { CompositeSyncRequest } from '../../compositions/metacontroller.js';
import { parentSchemas } from '../../compositions/parent.js';
import { parentSpec } from '../../compositions/parent-spec.js';
import { parentRef, resolveSpec } from '../../compositions/presets.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const requests = ['sync', 'finalize'].flatMap((route) =>
  fs.readdirSync(new URL(`${route}/`, FIXTURES)).map((scenario) => ({
    name: `${route}/${scenario}`,
    request: CompositeSyncRequest.parse(
      JSON.parse(fs.readFileSync(new URL(`${route}/${scenario}/request.json`, FIXTURES), 'utf8')),
    ),
  })),
);

const clusterOf = (request: CompositeSyncRequest) => ({
  observed: ObservedObjects.fromMaps(request.children),
  related: ObservedObjects.fromMaps(request.related),
});

/** The resolution computed anew, as every sync did before it was remembered. */
function resolvedAnew(request: CompositeSyncRequest, withCluster: boolean) {
  const parsed = parentSchemas(COMPONENTS).spec.parse(request.parent.spec ?? {});
  return resolveSpec(
    parsed,
    parentRef(request.parent),
    COMPONENTS,
    withCluster ? clusterOf(request) : undefined,
  );
}

describe('every golden request resolves as it would anew', () => {
  test.each(requests)('$name', ({ request }) => {
    const remembered = parentSpec(parentRef(request.parent), request.parent.spec);
    if (!remembered.parsed.success) {
      expect(parentSchemas(COMPONENTS).spec.safeParse(request.parent.spec ?? {}).success).toBe(false);
      return;
    }
    // Twice: the first call fills the memo, the second answers from it.
    for (let call = 0; call < 2; call++) {
      expect(remembered.resolved(clusterOf(request))).toEqual(resolvedAnew(request, true));
      expect(remembered.resolved()).toEqual(resolvedAnew(request, false));
    }
  });
});

describe('what the memo keeps apart', () => {
  const steady = requests.find((r) => r.name === 'sync/small-all-ready')?.request as CompositeSyncRequest;

  test('the same spec text is one remembered spec, and one resolution while the same versions run', () => {
    const copy = structuredClone(steady);
    const first = parentSpec(parentRef(steady.parent), steady.parent.spec);
    expect(parentSpec(parentRef(copy.parent), copy.parent.spec)).toBe(first);
    expect(first.resolved(clusterOf(copy))).toBe(first.resolved(clusterOf(steady)));
  });

  test('a running version that changes gives a resolution with the new version', () => {
    const upgraded = structuredClone(steady);
    const [pxc] = Object.values(upgraded.children['PerconaXtraDBCluster.pxc.percona.com/v1'] ?? {});
    const spec = (pxc?.spec ?? {}) as { pxc: { image: string } };
    const before = parentSpec(parentRef(steady.parent), steady.parent.spec).resolved(clusterOf(steady));
    expect(before.spec.mysql.versionSource).toBe('running');
    spec.pxc.image = `${spec.pxc.image.replace(/:[^:]*$/, '')}:8.0.99-1.1`;
    const after = parentSpec(parentRef(upgraded.parent), upgraded.parent.spec).resolved(clusterOf(upgraded));
    expect(after.spec.mysql.version).toBe('8.0.99-1.1');
    expect(before.spec.mysql.version).not.toBe('8.0.99-1.1');
  });

  test('another parent name gives its own default names; another namespace its own problems', () => {
    const spec = { mysql: { enabled: true, namespace: 'elsewhere' } };
    const a = parentSpec({ ...parentRef(steady.parent), name: 'alpha' }, spec).resolved();
    const b = parentSpec({ ...parentRef(steady.parent), name: 'beta' }, spec).resolved();
    expect([a.spec.mysql.name, b.spec.mysql.name]).toEqual(['alpha-mysql', 'beta-mysql']);
    const other = parentSpec(
      { ...parentRef(steady.parent), name: 'alpha', namespace: 'other' },
      spec,
    ).resolved();
    expect(a.problems.join()).toContain('parent\'s namespace "wandb"');
    expect(other.problems.join()).toContain('parent\'s namespace "other"');
  });

  test('a remembered resolution cannot be changed by a caller', () => {
    const { spec } = parentSpec(parentRef(steady.parent), steady.parent.spec).resolved();
    expect(() => {
      (spec.mysql as { replicas: number }).replicas = 1;
    }).toThrow(TypeError);
  });
});
