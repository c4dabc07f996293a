// What the real garbage collector (kube-controller-manager) does with the owner references our
// design relies on (decision 8): the Kafka cluster-ID Secret carries a controller reference to the
// parent (as Metacontroller's decorator sets it) and non-controller references to the retained data
// PVCs, so it outlives the parent exactly as long as the volumes do. Also the three cascades a user
// can choose with `kubectl delete`. The objects are made here by hand with the references
// Metacontroller and the operators set; Metacontroller itself is not part of this suite.
import { describe, expect, inject, it } from 'vitest';
import { waitFor } from './support/control-plane.js';
import { type Cluster, getJson, type Json, kubectl, mustKubectl } from './support/kubectl.js';

const cluster: Cluster = { bin: inject('bin'), kubeconfig: inject('kubeconfig') };

const exists = async (args: string[]) => (await kubectl(cluster, ['get', ...args, '-o', 'name'])).code === 0;
const gone = (what: string, args: string[]) =>
  waitFor(what, async () => !(await exists(args)), { timeoutMs: 60_000 });

async function create(object: Json): Promise<Json> {
  return JSON.parse(await mustKubectl(cluster, ['create', '-o', 'json', '-f', '-'], JSON.stringify(object)));
}

const ref = (owner: Json, controller: boolean) => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name,
  uid: owner.metadata.uid,
  controller,
  blockOwnerDeletion: controller,
});

async function parentWithChild(namespace: string) {
  await mustKubectl(cluster, ['create', 'namespace', namespace]);
  const parent = await create({
    apiVersion: 'apps.wandb.com/v2',
    kind: 'WeightsAndBiases',
    metadata: { name: 'wandb', namespace },
    spec: { size: 'dev', kafka: { enabled: true } },
  });
  // A child as Metacontroller creates it: controller reference to the parent.
  const child = await create({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaNodePool',
    metadata: {
      name: 'pool',
      namespace,
      labels: { 'strimzi.io/cluster': 'wandb-kafka' },
      ownerReferences: [ref(parent, true)],
    },
    spec: {
      replicas: 1,
      roles: ['controller', 'broker'],
      storage: {
        type: 'jbod',
        volumes: [{ id: 0, type: 'persistent-claim', size: '1Gi', deleteClaim: false }],
      },
    },
  });
  return { parent, child };
}

describe('the real garbage collector', () => {
  it('keeps the Kafka cluster-ID Secret after the parent is gone while a retained PVC owns it, then collects it with the PVC', async () => {
    const namespace = 'e2e-gc-cluster-id';
    const { parent } = await parentWithChild(namespace);
    // A data PVC as Strimzi leaves it under retain (deleteClaim: false): no owner of ours.
    const pvc = await create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-0-wandb-kafka-pool-0', namespace },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    expect(pvc.metadata.finalizers).toContain('kubernetes.io/pvc-protection');
    await create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'wandb-kafka-cluster-id',
        namespace,
        ownerReferences: [ref(parent, true), { ...ref(pvc, false), blockOwnerDeletion: false }],
      },
      stringData: { clusterId: 'AAAAAAAAAAAAAAAAAAAAAA' },
    });

    await mustKubectl(cluster, ['delete', 'wandb', 'wandb', '-n', namespace, '--wait=true']);
    await gone('the child of the deleted parent', ['kafkanodepool', 'pool', '-n', namespace]);
    const secret = await getJson(cluster, ['secret', 'wandb-kafka-cluster-id', '-n', namespace]);
    expect(secret.metadata.ownerReferences.map((r: Json) => r.kind)).toEqual(['PersistentVolumeClaim']);

    // The PVC protection controller releases an unused claim; then the Secret's last owner is gone.
    await mustKubectl(cluster, ['delete', 'pvc', pvc.metadata.name, '-n', namespace, '--wait=true']);
    await gone('the cluster-ID Secret once its volumes are gone', [
      'secret',
      'wandb-kafka-cluster-id',
      '-n',
      namespace,
    ]);
  });

  it('--cascade=orphan leaves the children running without an owner', async () => {
    const namespace = 'e2e-gc-orphan';
    await parentWithChild(namespace);
    await mustKubectl(cluster, [
      'delete',
      'wandb',
      'wandb',
      '-n',
      namespace,
      '--cascade=orphan',
      '--wait=true',
    ]);
    await waitFor('the orphaned child to lose its owner reference', async () => {
      const child = await getJson(cluster, ['kafkanodepool', 'pool', '-n', namespace]);
      return (child.metadata.ownerReferences ?? []).length === 0;
    });
  });

  it('--cascade=foreground keeps the parent until its children are gone', async () => {
    const namespace = 'e2e-gc-foreground';
    await parentWithChild(namespace);
    // A finalizer of the test holds the child, as an operator's finalizer would.
    await mustKubectl(cluster, [
      'patch',
      'kafkanodepool',
      'pool',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify({ metadata: { finalizers: ['e2e.wandb.com/hold'] } }),
    ]);
    await mustKubectl(cluster, [
      'delete',
      'wandb',
      'wandb',
      '-n',
      namespace,
      '--cascade=foreground',
      '--wait=false',
    ]);
    await waitFor('the child to be marked for deletion', async () => {
      const child = await getJson(cluster, ['kafkanodepool', 'pool', '-n', namespace]);
      return Boolean(child.metadata.deletionTimestamp);
    });
    const parent = await getJson(cluster, ['wandb', 'wandb', '-n', namespace]);
    expect(parent.metadata.deletionTimestamp).toBeDefined();
    expect(parent.metadata.finalizers).toContain('foregroundDeletion');
    await mustKubectl(cluster, [
      'patch',
      'kafkanodepool',
      'pool',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await gone('the parent once its child is gone', ['wandb', 'wandb', '-n', namespace]);
  });
});
