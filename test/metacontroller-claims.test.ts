// Decision 4 under the emulator: Strimzi copies the Kafka's labels (controller-uid included) onto
// its Secrets and owns them with `controller: false` references. Metacontroller adopts every
// orphan of a declared child kind that matches the selector, so Secrets must never be a child
// kind; as attachments of the DecoratorController they are created, kept and updated instead.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadParent, processIo } from '../cli/io.js';
import type { Cluster, ClusterEvent, Obj } from '../sim/cluster.js';
import { childKinds, type KindInfo, kindInfo } from '../sim/kinds.js';
import { DECORATOR_ANNOTATION } from '../sim/metacontroller.js';
import { Simulation } from '../sim/simulation.js';
import { REPO_ROOT } from './support/shared.js';

const parent = () => loadParent(path.join(REPO_ROOT, 'manifests', 'examples', 'dev.yaml'), processIo);

const STRIMZI_SECRETS = [
  'wandb-kafka-clients-ca',
  'wandb-kafka-clients-ca-cert',
  'wandb-kafka-cluster-ca',
  'wandb-kafka-cluster-ca-cert',
  'wandb-kafka-cluster-operator-certs',
];

const secret = (cluster: Cluster, name: string) => cluster.get('v1', 'Secret', 'wandb', name);
const decode = (object: Obj | undefined, key: string) =>
  Buffer.from(String((object?.data as Record<string, string> | undefined)?.[key] ?? ''), 'base64').toString();
const touches = (events: readonly ClusterEvent[], names: readonly string[]) =>
  events.filter((e) => e.kind === 'Secret' && names.includes(e.name));

describe('Secrets created by Strimzi with propagated labels and controller: false owner references', () => {
  test('are never adopted or deleted, while ours are created, kept and updated', () => {
    const simulation = new Simulation({ now: '2026-01-01T00:00:00Z' });
    simulation.apply(parent());
    const uid = simulation.parent('wandb', 'wandb')?.metadata.uid ?? '';
    const strimziUids = new Map<string, string>();
    const ourUids = new Map<string, string>();

    const checkRound = () => {
      const record = simulation.round();
      // Strimzi's Secrets: once created, the same objects every round, never touched by Metacontroller.
      for (const name of STRIMZI_SECRETS) {
        const found = secret(simulation.cluster, name);
        if (!found) {
          expect(strimziUids.has(name)).toBe(false);
          continue;
        }
        strimziUids.set(name, strimziUids.get(name) ?? found.metadata.uid ?? '');
        expect(found.metadata.uid).toBe(strimziUids.get(name));
        expect(found.metadata.labels?.['controller-uid']).toBe(uid);
        expect(found.metadata.ownerReferences).toEqual([
          expect.objectContaining({ kind: 'Kafka', name: 'wandb-kafka', controller: false }),
        ]);
      }
      expect(
        touches(record.events, STRIMZI_SECRETS).filter((e) => e.actor.startsWith('metacontroller')),
      ).toEqual([]);
      expect(
        touches(record.events, STRIMZI_SECRETS).filter((e) => e.verb === 'delete' || e.verb === 'removed'),
      ).toEqual([]);
      // Ours: attachments of the decorator, controlled by the parent, never re-created.
      for (const attachment of simulation.decorator.attachments(simulation.parent('wandb', 'wandb') as Obj)) {
        const name = attachment.metadata.name;
        ourUids.set(name, ourUids.get(name) ?? attachment.metadata.uid ?? '');
        expect(attachment.metadata.uid).toBe(ourUids.get(name));
        expect(attachment.metadata.annotations?.[DECORATOR_ANNOTATION]).toBe('wandb-secrets');
      }
      for (const name of ourUids.keys()) expect(secret(simulation.cluster, name)).toBeDefined();
      return record;
    };

    let stable = false;
    for (let round = 0; round < 10 && !stable; round++) stable = !checkRound().changed;
    expect(stable).toBe(true);
    expect(simulation.parent('wandb', 'wandb')?.status).toMatchObject({ ready: true });
    expect([...strimziUids.keys()].sort()).toEqual(STRIMZI_SECRETS);
    expect([...ourUids.keys()]).toEqual(
      expect.arrayContaining(['wandb-kafka-connection', 'wandb-kafka-cluster-id']),
    );

    // The cluster ID changes (say, an operator upgrade re-formats the cluster): ours follow it.
    const before = decode(secret(simulation.cluster, 'wandb-kafka-connection'), 'ClusterID');
    expect(before).not.toBe('');
    simulation.cluster.as('strimzi', () =>
      simulation.cluster.patchStatus(
        { apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka', namespace: 'wandb', name: 'wandb-kafka' },
        { status: { clusterId: 'new-cluster-id' } },
      ),
    );
    for (let round = 0; round < 3; round++) checkRound();
    expect(decode(secret(simulation.cluster, 'wandb-kafka-connection'), 'ClusterID')).toBe('new-cluster-id');
    expect(decode(secret(simulation.cluster, 'wandb-kafka-cluster-id'), 'clusterId')).toBe('new-cluster-id');
  });

  // The control experiment: the same run with the kind declared as a child, as decisions 3 and 4 forbid.
  // Metacontroller adopts the operators' objects; the hook, owning no such kind, keeps them unchanged
  // (omitting them would delete them) and reports them, so only the adoption remains.
  test.each([
    ['Secret', ['wandb-kafka-cluster-ca-cert']],
    ['PersistentVolumeClaim', ['data-0-wandb-kafka-wandb-kafka-node-pool-0', 'wandb-redis-wandb-redis-0']],
  ])(
    'declared as a child kind, %s objects the operators label are adopted, then kept and reported',
    (kind, victims) => {
      const childResources: KindInfo[] = [...childKinds(), kindInfo('v1', kind) as KindInfo];
      const simulation = new Simulation({ now: '2026-01-01T00:00:00Z', childResources });
      simulation.apply(parent());
      for (let round = 0; round < 6; round++) simulation.round();
      const events = simulation.rounds
        .flatMap((r) => r.events)
        .filter((e) => e.kind === kind && victims.includes(e.name));
      for (const name of victims) {
        const mine = events.filter((e) => e.name === name && e.actor === 'metacontroller/wandb-infra');
        expect(mine.find((e) => e.verb === 'update')?.detail).toMatch(/^adopted/);
        expect(mine.map((e) => e.verb)).not.toContain('removed');
      }
      const status = simulation.parent('wandb', 'wandb')?.status as {
        conditions?: Array<{ type: string; message: string }>;
      };
      const unknown = status.conditions?.find((c) => c.type === 'UnknownChildren');
      for (const name of victims) expect(unknown?.message).toContain(`${kind} ${name}`);
    },
  );
});
