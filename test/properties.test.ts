// Invariants of the pure hooks over generated parents and observed children (issues: status,
// retention, secrets). Each property runs on worlds built from our own desired children, as the
// API server would return them with operator statuses.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { COMPONENTS, type ComponentName } from '../compositions/components/index.js';
import { freeze } from '../compositions/freeze.js';
import { type Child, field, type KubeObject } from '../compositions/kube.js';
import { reconcile, type SyncResult } from '../compositions/reconcile.js';
import { aParent, LATER, NOW, objectMap, parsedRequest, syncRequest } from './support/builders.js';
import {
  asObserved,
  componentStates,
  desiredChildren,
  LADDER_KINDS,
  ourSecrets,
  redisStatefulSets,
  type SpecChoice,
  specChoice,
  statefulSetLadder,
  stateRank,
  statusLadder,
  toSpec,
} from './support/world.js';

interface World {
  readonly spec: Record<string, unknown>;
  readonly choice: SpecChoice;
  readonly desired: Child[];
  readonly rungs: number[];
  readonly present: boolean[];
  readonly lastApplied: boolean[];
  readonly operatorFinalizer: boolean[];
  readonly stsRungs: number[];
  readonly connections: boolean;
}

const world: fc.Arbitrary<World> = specChoice.chain((choice) => {
  const spec = toSpec(choice);
  const desired = desiredChildren(spec);
  const n = desired.length;
  const flags = () => fc.array(fc.boolean(), { minLength: n, maxLength: n });
  return fc.record({
    spec: fc.constant(spec),
    choice: fc.constant(choice),
    desired: fc.constant(desired),
    rungs: fc.array(fc.nat(6), { minLength: n, maxLength: n }),
    present: flags(),
    lastApplied: flags(),
    operatorFinalizer: flags(),
    stsRungs: fc.array(fc.nat(4), {
      minLength: redisStatefulSets(desired).length,
      maxLength: redisStatefulSets(desired).length,
    }),
    connections: fc.boolean(),
  });
});

function observedOf(w: World): KubeObject[] {
  return w.desired.flatMap((child, i) => {
    if (!w.present[i]) return [];
    const ladder = statusLadder(child, 1);
    return [
      asObserved(child, {
        status: ladder[Math.min(w.rungs[i] ?? 0, ladder.length - 1)],
        lastApplied: w.lastApplied[i] ?? true,
        ...(w.operatorFinalizer[i] ? { operatorFinalizer: 'operator.example/cleanup' } : {}),
      }),
    ];
  });
}

function relatedOf(w: World): KubeObject[] {
  const secrets = ourSecrets(w.spec).filter((s) => w.connections || !s.metadata.name.endsWith('-connection'));
  const statefulSets = redisStatefulSets(w.desired).map(({ name, size }, i) => {
    const ladder = statefulSetLadder(name, size);
    return ladder[Math.min(w.stsRungs[i] ?? 0, ladder.length - 1)] as KubeObject;
  });
  return [...secrets, ...statefulSets];
}

const sync = (
  w: World,
  options: {
    children?: KubeObject[];
    related?: KubeObject[];
    status?: unknown;
    finalizing?: boolean;
    now?: string;
    spec?: unknown;
  } = {},
): SyncResult =>
  reconcile(
    parsedRequest(
      syncRequest(
        aParent(options.spec ?? w.spec, {
          ...(options.status !== undefined ? { status: options.status } : {}),
          ...(options.finalizing ? { deletionTimestamp: NOW } : {}),
        }),
        {
          children: options.children ?? observedOf(w),
          related: options.related ?? relatedOf(w),
          finalizing: options.finalizing ?? false,
        },
      ),
    ),
    { now: options.now ?? NOW },
  );

const RUNS = { numRuns: 120 };
const id = (o: { apiVersion: string; kind: string; metadata: { name: string } }) =>
  `${o.apiVersion} ${o.kind} ${o.metadata.name}`;

describe('determinism', () => {
  test('the same request gives a byte-identical response, and shuffling observed children changes nothing', () => {
    fc.assert(
      fc.property(world, fc.nat(), (w, seed) => {
        const first = JSON.stringify(sync(w));
        expect(JSON.stringify(sync(w))).toBe(first);
        const shuffled = [...observedOf(w)].sort(
          (a, b) => ((id(a).length * 31 + seed) % 7) - ((id(b).length * 17 + seed) % 7),
        );
        const reversedRelated = [...relatedOf(w)].reverse();
        expect(JSON.stringify(sync(w, { children: shuffled, related: reversedRelated }))).toBe(first);
      }),
      RUNS,
    );
  });

  test('feeding the status back with a later clock changes nothing when no child changed, except a connection gap aging into an Error', () => {
    const evenLater = '2026-01-01T02:00:00Z';
    fc.assert(
      fc.property(world, (w) => {
        const first = sync(w);
        const second = sync(w, { status: first.status, now: LATER });
        // Time alone turns a connection Secret missing behind a ready operator into an Error (the gap).
        if (!JSON.stringify(first.status).includes('"ConnectionSecretPending"')) {
          expect(JSON.stringify(second)).toBe(JSON.stringify(first));
        }
        expect(JSON.stringify(second.status)).not.toContain('"ConnectionSecretPending"');
        expect(JSON.stringify(sync(w, { status: second.status, now: evenLater }))).toBe(
          JSON.stringify(second),
        );
      }),
      RUNS,
    );
  });

  test('the request map order of Metacontroller (hook v2 keys) does not matter', () => {
    fc.assert(
      fc.property(world, (w) => {
        const request = syncRequest(aParent(w.spec), { children: observedOf(w), related: relatedOf(w) });
        const reversed = {
          ...request,
          children: Object.fromEntries(Object.entries(objectMap(observedOf(w))).reverse()),
        };
        expect(JSON.stringify(reconcile(parsedRequest(reversed), { now: NOW }))).toBe(
          JSON.stringify(reconcile(parsedRequest(request), { now: NOW })),
        );
      }),
      { numRuns: 40 },
    );
  });
});

describe('monotonic status', () => {
  test('every child kind of the registry has an operator-status ladder, or is read from elsewhere', () => {
    const kinds = COMPONENTS.flatMap((c) => c.kinds.map((k) => k.ref.kind));
    expect(kinds.filter((kind) => !LADDER_KINDS.includes(kind))).toEqual([]);
  });

  test("making one child's operator status worse never makes a component or the parent better", () => {
    // The connection Secrets exist here: without them the reference's rule (ready but no
    // connection → Error) makes "ready" worse than "initializing", by design (test/reconcile.test.ts).
    fc.assert(
      fc.property(world, fc.nat(), fc.integer({ min: 1, max: 4 }), (w0, pick, step) => {
        const w = { ...w0, connections: true };
        const indices = w.desired.map((_, i) => i).filter((i) => w.present[i]);
        if (indices.length === 0) return;
        const i = indices[pick % indices.length] as number;
        const worse: World = { ...w, rungs: w.rungs.map((r, j) => (j === i ? r + step : r)) };
        const before = sync(w);
        const after = sync(worse);
        const b = componentStates(before);
        const a = componentStates(after);
        for (const name of Object.keys(b) as Array<keyof typeof b>) {
          expect(stateRank(a[name]), `${name}: ${b[name]} → ${a[name]}`).toBeGreaterThanOrEqual(
            stateRank(b[name]),
          );
        }
        if (!before.status.ready) expect(after.status.ready).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test('making a Redis StatefulSet worse never makes Redis better', () => {
    fc.assert(
      fc.property(world, fc.nat(), (w0, pick) => {
        const w = { ...w0, connections: true };
        if (w.stsRungs.length === 0) return;
        const i = pick % w.stsRungs.length;
        const worse = { ...w, stsRungs: w.stsRungs.map((r, j) => (j === i ? r + 1 : r)) };
        expect(stateRank(componentStates(sync(worse)).redis)).toBeGreaterThanOrEqual(
          stateRank(componentStates(sync(w)).redis),
        );
      }),
      RUNS,
    );
  });
});

describe('data safety', () => {
  const invalidations: Array<(spec: Record<string, unknown>) => Record<string, unknown>> = [
    (spec) => ({ ...spec, size: 'huge' }),
    (spec) => ({ ...spec, mysql: { enabled: true, namespace: 'elsewhere' } }),
    (spec) => ({ ...spec, kafka: { enabled: true, storageSize: 'lots' } }),
    (spec) => ({ ...spec, clickhouse: { enabled: true, name: 'name-longer-than-fifteen' } }),
    (spec) => ({ ...spec, redis: { enabled: true, replicas: 1.5 } }),
  ];

  test('an invalid spec never omits or changes an observed child (operator finalizers and fields included)', () => {
    fc.assert(
      fc.property(world, fc.nat(invalidations.length - 1), (w, which) => {
        const observed = observedOf(w);
        const result = sync(w, {
          spec: (invalidations[which] as (s: Record<string, unknown>) => Record<string, unknown>)(w.spec),
        });
        expect(result.status.conditions?.some((c) => c.type === 'InvalidSpec')).toBe(true);
        expect(result.children.map(id).sort()).toEqual(observed.map(id).sort());
        for (const child of observed) {
          expect(result.children.find((c) => id(c) === id(child))).toEqual(freeze(child));
        }
        // Nothing an operator added may become ours: no observed status, finalizers or defaults.
        for (const child of result.children) {
          expect(child.status).toBeUndefined();
          expect(child.metadata.finalizers ?? []).not.toContain('operator.example/cleanup');
        }
      }),
      RUNS,
    );
  });

  test('a sync never omits an observed child of an enabled component', () => {
    fc.assert(
      fc.property(world, (w) => {
        const result = sync(w);
        const enabled = new Set(
          COMPONENTS.filter((c) => w.choice.enabled[c.name as ComponentName]).flatMap((c) =>
            c.kinds.map((k) => `${k.ref.apiVersion} ${k.ref.kind}`),
          ),
        );
        for (const child of observedOf(w)) {
          if (enabled.has(`${child.apiVersion} ${child.kind}`))
            expect(result.children.map(id)).toContain(id(child));
        }
      }),
      RUNS,
    );
  });

  test('no custom resource is created before the credential Secret it references is observed', () => {
    fc.assert(
      fc.property(world, fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), (w, keep) => {
        const secrets = ourSecrets(w.spec).filter((_, i) => keep[i % keep.length]);
        const result = sync(w, { children: [], related: secrets });
        const names = new Set(secrets.map((s) => s.metadata.name));
        for (const child of result.children) {
          for (const secret of credentialSecretsOf(child)) {
            expect(names.has(secret), `${id(child)} needs ${secret}`).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  test('every desired child carries the knobs of the resolved retention policy, in every sync', () => {
    fc.assert(
      fc.property(world, fc.boolean(), (w, finalizing) => {
        const policy = w.choice.policy ?? (w.choice.autoCleanupEnabled ? 'purge' : 'retain');
        const result = sync(w, { finalizing });
        for (const child of result.children) {
          expect(knobsOf(child), id(child)).toEqual(expectedKnobs(child.kind, policy));
        }
      }),
      RUNS,
    );
  });

  test('finalize never finishes while a child remains, and never omits one before its knobs are in effect', () => {
    fc.assert(
      fc.property(world, fc.boolean(), (w, withHistory) => {
        const observed = observedOf(w);
        const first = sync(w, { finalizing: true });
        expect(first.finalized).toBe(observed.length === 0);
        // The first call that sees the deletion keeps every child.
        expect(first.children.map(id).sort()).toEqual(observed.map(id).sort());
        const second = sync(w, { finalizing: true, status: withHistory ? first.status : undefined });
        if (second.finalized) expect(observed).toEqual([]);
        for (const child of observed) {
          const owner = COMPONENTS.find((c) =>
            c.kinds.some((k) => k.ref.kind === child.kind && k.ref.apiVersion === child.apiVersion),
          );
          if (!owner) continue;
          const policyKnobs = knobsOf(child as unknown as Child);
          const policy = w.choice.policy ?? (w.choice.autoCleanupEnabled ? 'purge' : 'retain');
          const knobsReady =
            JSON.stringify(policyKnobs) === JSON.stringify(expectedKnobs(child.kind, policy)) &&
            (child.kind !== 'KafkaNodePool' ||
              (child.status as { observedGeneration?: number } | undefined)?.observedGeneration ===
                child.metadata.generation);
          if (!knobsReady || !withHistory) expect(second.children.map(id)).toContain(id(child));
        }
      }),
      RUNS,
    );
  });
});

describe('convergence', () => {
  test('feeding desired children back as observed with ready operators converges, then stops changing', () => {
    fc.assert(
      fc.property(specChoice, (choice) => {
        const spec = toSpec(choice);
        let related = ourSecrets(spec);
        let children: KubeObject[] = [];
        let status: unknown;
        let previous = '';
        let stableAt = -1;
        for (let round = 0; round < 6; round++) {
          const result = reconcile(
            parsedRequest(
              syncRequest(aParent(spec, status !== undefined ? { status } : {}), { children, related }),
            ),
            { now: NOW },
          );
          const text = JSON.stringify(result);
          if (text === previous) {
            stableAt = round;
            break;
          }
          previous = text;
          status = result.status;
          children = result.children.map((c) => asObserved(c, { status: statusLadder(c, 1)[0] }));
          related = [
            ...ourSecrets(spec),
            ...redisStatefulSets(result.children).map(
              ({ name, size }) => statefulSetLadder(name, size)[0] as KubeObject,
            ),
          ];
        }
        expect(stableAt).toBeGreaterThan(0);
        expect(stableAt).toBeLessThanOrEqual(3);
        const enabled = Object.values(choice.enabled).some(Boolean);
        const final = JSON.parse(previous) as SyncResult;
        expect(final.status.ready).toBe(true);
        if (enabled) expect(final.status.conditions?.[0]?.reason).toBe('AllComponentsReady');
      }),
      { numRuns: 60 },
    );
  });
});

// ---- knobs and references, read from a desired child -----------------------------------------------

function knobsOf(child: Child): unknown {
  const list = (...path: string[]) => {
    const value = field(child, ...path);
    return Array.isArray(value) ? value : [];
  };
  switch (child.kind) {
    case 'PerconaXtraDBCluster':
      return (child.metadata.finalizers ?? [])
        .filter((f) => f === 'percona.com/delete-pxc-pvc' || f === 'percona.com/delete-ssl')
        .sort();
    case 'KafkaNodePool':
      return list('spec', 'storage', 'volumes').map((v) => field(v, 'deleteClaim'));
    case 'ClickHouseInstallation':
    case 'ClickHouseKeeperInstallation':
      return list('spec', 'templates', 'volumeClaimTemplates').map((t) => field(t, 'reclaimPolicy'));
    case 'Redis':
    case 'RedisReplication':
      return field(child, 'spec', 'storage', 'keepAfterDelete');
    default:
      return null;
  }
}

function expectedKnobs(kind: string, policy: 'retain' | 'purge'): unknown {
  const purge = policy === 'purge';
  switch (kind) {
    case 'PerconaXtraDBCluster':
      return purge ? ['percona.com/delete-pxc-pvc', 'percona.com/delete-ssl'] : [];
    case 'KafkaNodePool':
      return [purge];
    case 'ClickHouseInstallation':
    case 'ClickHouseKeeperInstallation':
      return [purge ? 'Delete' : 'Retain'];
    case 'Redis':
    case 'RedisReplication':
      return !purge;
    default:
      return null;
  }
}

/** Every Secret name a child references through a secretKeyRef, passwordSecretRef, redisSecret or configuration. */
function credentialSecretsOf(child: Child): string[] {
  const names = new Set<string>();
  const visit = (value: unknown, key: string): void => {
    if (Array.isArray(value)) for (const item of value) visit(item, key);
    else if (value !== null && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (
        ['secretKeyRef', 'passwordSecretRef', 'redisSecret'].includes(key) &&
        typeof object.name === 'string'
      )
        names.add(object.name);
      if (key === 'configuration' && child.kind === 'Tenant' && typeof object.name === 'string')
        names.add(object.name);
      for (const [k, v] of Object.entries(object)) visit(v, k);
    }
  };
  visit(child.spec, 'spec');
  // Percona's own internal Secret is the operator's, not ours.
  return [...names].filter((name) => !name.startsWith('internal-'));
}
