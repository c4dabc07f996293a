// The wandb-secrets DecoratorController: credential and connection Secrets as attachments of the
// parent, never children of the CompositeController (decision 4: Metacontroller would adopt and
// delete the Secrets Strimzi creates with our labels). The two controllers cannot see each other's
// objects, so each asks for what it needs through its customize hook.
import { nameCollisions, parentsRule } from './collisions.js';
import { COMPONENT_LABEL, childLabels, connectionSecretName } from './component.js';
import { COMPONENTS } from './components/index.js';
import { clusterIdSecretName } from './components/kafka.js';
import { decodeData, encodeData, generatePassword, isSet, type RandomSource } from './credentials.js';
import { appliedByMetacontroller, freeze } from './freeze.js';
import {
  CHILD_KINDS,
  type Child,
  compareObjects,
  type KindRef,
  type KubeObject,
  ObservedObjects,
  type OwnerReference,
  RELATED_KINDS,
  stringField,
} from './kube.js';
import type {
  CustomizeRequest,
  CustomizeResponse,
  DecoratorSyncRequest,
  RelatedResourceRule,
} from './metacontroller.js';
import { type ComponentName, WeightsAndBiasesSpec } from './parent.js';
import {
  type ParentRef,
  type ResolvedClickHouse,
  type ResolvedKafka,
  type ResolvedMinio,
  type ResolvedMySQL,
  type ResolvedRedis,
  type ResolvedSpec,
  resolveSpec,
} from './presets.js';
import { parentRef } from './reconcile.js';

export interface SecretsEnvironment {
  readonly random: RandomSource;
}

/** A DecoratorController sync response; `status: null` leaves the parent's status to the composite. */
export interface SecretsResult {
  readonly status: null;
  readonly attachments: Child[];
}

/** Where a component's connection details come from, and what it needs to build them. */
interface SecretsPart<S> {
  readonly component: ComponentName;
  select(spec: ResolvedSpec): S & { readonly enabled: boolean; readonly name: string };
  /** The custom resources whose existence keeps the Secrets, and whose status feeds the connection. */
  sources(spec: S): Array<{ ref: KindRef; name: string }>;
  /** Credential Secrets: name → generated keys. */
  credentials(
    spec: S,
  ): Array<{ name: string; generated: readonly string[]; derive?: Derive; recover?: Recover }>;
  /**
   * Connection Secret data (the reference's keys), or undefined while the operator has not yet
   * reported what it needs (e.g. Percona's `status.host`).
   */
  connection(spec: S, input: ConnectionInput): Record<string, string> | undefined;
  /** Facts about the data that must outlive the parent with it (the Kafka cluster ID). */
  records?(spec: S, input: ConnectionInput): Array<{ name: string; data: Record<string, string> }>;
  /** Names of the record Secrets, to read them back after a parent is re-created. */
  recordNames?(spec: S): string[];
}

/**
 * The PVCs whose data needs the component's credential and record Secrets (`dataNeedsSecrets`): each
 * Secret gets a non-controller owner reference to them, so garbage collection keeps it after the
 * parent is gone for exactly as long as the data (decision 8), and while one exists a lost credential
 * is never generated again (decision 5).
 */
function dataVolumesNeeding(component: ComponentName, spec: unknown): string[] {
  const owner = COMPONENTS.find((c) => c.name === component);
  return owner?.dataNeedsSecrets ? owner.dataVolumes(spec) : [];
}

type Derive = (values: Readonly<Record<string, string>>) => Record<string, string>;
/** Reads a generated value back from a Secret written in another layout (e.g. by the reference). */
type Recover = (data: unknown, key: string) => string | undefined;

interface ConnectionInput {
  readonly namespace: string;
  readonly related: ObservedObjects;
  /** Our Secrets as observed: attachments first, else a same-named Secret that outlived a parent. */
  readonly observedSecret: (name: string) => KubeObject | undefined;
  /** Credential values by Secret name and key. */
  readonly credentials: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const svc = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

/** userinfo for a URL: percent-encoded as RFC 3986 requires (not query encoding: a space is %20). */
const userinfo = (user: string, password: string) =>
  `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;

export const MYSQL_APP_USER = 'wandb_local';
export const CLICKHOUSE_USER = 'wandb';

const mysqlSecrets: SecretsPart<ResolvedMySQL> = {
  component: 'mysql',
  select: (spec) => spec.mysql,
  sources: (spec) => [{ ref: CHILD_KINDS.PerconaXtraDBCluster, name: `${spec.name}-cluster` }],
  credentials: (spec) => [{ name: `${spec.name}-user-db-password`, generated: ['password'] }],
  connection: (spec, { related, credentials }) => {
    const pxc = related.get(CHILD_KINDS.PerconaXtraDBCluster, `${spec.name}-cluster`);
    const host = stringField(pxc, 'status', 'host');
    const password = credentials[`${spec.name}-user-db-password`]?.password;
    if (!host || !password) return undefined;
    // The application connects as its own user (the reference used root).
    return {
      url: `mysql://${userinfo(MYSQL_APP_USER, password)}@${host}:3306/${MYSQL_APP_USER}`,
      Host: host,
      Port: '3306',
      User: MYSQL_APP_USER,
      Password: password,
      Database: MYSQL_APP_USER,
    };
  },
};

const redisSecrets: SecretsPart<ResolvedRedis> = {
  component: 'redis',
  select: (spec) => spec.redis,
  sources: (spec) =>
    spec.sentinel
      ? [
          { ref: CHILD_KINDS.RedisSentinel, name: spec.name },
          { ref: CHILD_KINDS.RedisReplication, name: `${spec.name}-replica` },
        ]
      : [{ ref: CHILD_KINDS.Redis, name: spec.name }],
  credentials: (spec) => [{ name: `${spec.name}-credentials`, generated: ['password'] }],
  connection: (spec, { namespace, credentials }) => {
    const password = credentials[`${spec.name}-credentials`]?.password;
    if (!password) return undefined;
    const host = svc(spec.sentinel ? `${spec.name}-sentinel` : spec.name, namespace);
    const port = spec.sentinel ? '26379' : '6379';
    const master = spec.sentinel ? `?master=${encodeURIComponent(spec.masterName)}` : '';
    return {
      url: `redis://${userinfo('', password)}@${host}:${port}${master}`,
      Host: host,
      Port: port,
      Password: password,
      ...(spec.sentinel ? { MasterName: spec.masterName } : {}),
    };
  },
};

const kafkaSecrets: SecretsPart<ResolvedKafka> = {
  component: 'kafka',
  select: (spec) => spec.kafka,
  sources: (spec) => [{ ref: CHILD_KINDS.Kafka, name: spec.name }],
  credentials: () => [],
  connection: (spec, { namespace, related }) => {
    const host = svc(`${spec.name}-kafka-bootstrap`, namespace);
    const clusterId = stringField(related.get(CHILD_KINDS.Kafka, spec.name), 'status', 'clusterId');
    return {
      url: `kafka://${host}:9092`,
      Host: host,
      Port: '9092',
      ...(clusterId ? { ClusterID: clusterId } : {}),
    };
  },
  // The ID Strimzi reports is the one on the volumes; until it reports one, keep what was recorded.
  records: (spec, { related, observedSecret }) => {
    const name = clusterIdSecretName(spec);
    const clusterId =
      stringField(related.get(CHILD_KINDS.Kafka, spec.name), 'status', 'clusterId') ||
      decodeData(observedSecret(name)?.data, 'clusterId');
    return clusterId ? [{ name, data: { clusterId } }] : [];
  },
  recordNames: (spec) => [clusterIdSecretName(spec)],
};

const MINIO_BUCKET = 'bucket';
const MINIO_REGION = 'us-east-1';

const minioSecrets: SecretsPart<ResolvedMinio> = {
  component: 'minio',
  select: (spec) => spec.minio,
  sources: (spec) => [{ ref: CHILD_KINDS.Tenant, name: spec.name }],
  credentials: (spec) => [
    {
      name: `${spec.name}-config`,
      generated: ['rootPassword'],
      // MinIO reads only config.env; the password is also kept under its own key so it is read
      // back exactly, whatever the user name or browser setting become.
      derive: ({ rootPassword = '' }) => ({
        'config.env': [
          `export MINIO_ROOT_USER="${spec.rootUser}"`,
          `export MINIO_ROOT_PASSWORD="${rootPassword}"`,
          `export MINIO_BROWSER="${spec.browser}"`,
          '',
        ].join('\n'),
      }),
      // The reference operator kept the password only inside config.env.
      recover: (data) => /MINIO_ROOT_PASSWORD="?([^"\n]*)"?/.exec(decodeData(data, 'config.env') ?? '')?.[1],
    },
  ],
  connection: (spec, { namespace, credentials }) => {
    const password = credentials[`${spec.name}-config`]?.rootPassword;
    if (!password) return undefined;
    const host = svc(`${spec.name}-hl`, namespace);
    return {
      url: `s3://${userinfo(spec.rootUser, password)}@${host}:9000/${MINIO_BUCKET}?tls=true`,
      Host: host,
      Port: '9000',
      Region: MINIO_REGION,
    };
  },
};

const clickhouseSecrets: SecretsPart<ResolvedClickHouse> = {
  component: 'clickhouse',
  select: (spec) => spec.clickhouse,
  sources: (spec) => [{ ref: CHILD_KINDS.ClickHouseInstallation, name: `${spec.name}-install` }],
  credentials: (spec) => [{ name: `${spec.name}-credentials`, generated: ['password'] }],
  connection: (spec, { related, credentials }) => {
    const chi = related.get(CHILD_KINDS.ClickHouseInstallation, `${spec.name}-install`);
    const host = stringField(chi, 'status', 'endpoint');
    const password = credentials[`${spec.name}-credentials`]?.password;
    if (!host || !password) return undefined;
    return {
      url: `clickhouse://${userinfo(CLICKHOUSE_USER, password)}@${host}:8123/default`,
      Host: host,
      Port: '8123',
      User: CLICKHOUSE_USER,
      Password: password,
      Database: 'default',
    };
  },
};

const PARTS: ReadonlyArray<SecretsPart<unknown>> = [
  mysqlSecrets,
  redisSecrets,
  kafkaSecrets,
  minioSecrets,
  clickhouseSecrets,
] as ReadonlyArray<SecretsPart<unknown>>;

function secret(
  parent: ParentRef,
  component: ComponentName,
  name: string,
  data: Record<string, string>,
  owners: OwnerReference[] = [],
): Child {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      labels: childLabels(parent, component),
      ...(owners.length > 0 ? { ownerReferences: owners } : {}),
    },
    type: 'Opaque',
    data: Object.fromEntries(
      Object.keys(data)
        .sort()
        .map((key) => [key, encodeData(data[key] ?? '')]),
    ),
  };
}

/** Non-controller owner references to the PVCs that exist (their UIDs come from related objects). */
function volumeOwners(names: readonly string[], related: ObservedObjects): OwnerReference[] {
  return names.flatMap((name) => {
    const pvc = related.get(RELATED_KINDS.PersistentVolumeClaim, name);
    return pvc?.metadata.uid
      ? [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            name,
            uid: pvc.metadata.uid,
            controller: false,
            blockOwnerDeletion: false,
          },
        ]
      : [];
  });
}

/** The decorator's sync hook. */
export function syncSecrets(request: DecoratorSyncRequest, env: SecretsEnvironment): SecretsResult {
  const parent = parentRef(request.object);
  const attachments = ObservedObjects.fromMaps(request.attachments);
  const related = ObservedObjects.fromMaps(request.related);
  const parsed = WeightsAndBiasesSpec.safeParse(request.object.spec ?? {});
  const resolution = parsed.success ? resolveSpec(parsed.data, parent) : undefined;
  // A disabled component whose custom resource still exists keeps its Secrets (below), so it keeps its names.
  const removing = (spec: ResolvedSpec) =>
    PARTS.filter((part) => {
      const own = part.select(spec);
      return !own.enabled && part.sources(own).some(({ ref, name }) => related.has(ref, name));
    }).map((part) => part.component);
  if (
    !resolution ||
    resolution.problems.length > 0 ||
    nameCollisions(resolution.spec, parent, related, removing(resolution.spec)).length > 0
  ) {
    // Invalid spec: change nothing (the composite reports why).
    return { status: null, attachments: attachments.all.map(freeze).sort(compareObjects) };
  }

  const desired: Child[] = [];
  for (const part of PARTS) {
    const spec = part.select(resolution.spec);
    const sources = part.sources(spec).flatMap(({ ref, name }) => related.get(ref, name) ?? []);
    const crExists = sources.length > 0;
    // A custom resource we applied was created with the credentials: a missing one was lost.
    const crUsesCredentials = sources.some(appliedByMetacontroller);
    const volumes = dataVolumesNeeding(part.component, spec);
    const volumesExist = volumes.some((name) => related.has(RELATED_KINDS.PersistentVolumeClaim, name));
    // A component's Secrets live while it is enabled, while its custom resource still exists (a
    // disabled component is removed in phases; its operator may still need the credentials), and
    // those the data needs while its volumes exist (a disabled component's volumes may be retained).
    if (!spec.enabled && !crExists && !volumesExist) continue;
    const observedSecret = (name: string) =>
      attachments.get(RELATED_KINDS.Secret, name) ?? related.get(RELATED_KINDS.Secret, name);
    // Under either policy: the policy may change right before the parent is deleted, and this hook
    // is not called once it is. Under purge the volumes go, and the Secrets with them.
    const owners = volumeOwners(volumes, related);
    const credentials: Record<string, Record<string, string>> = {};
    for (const credential of part.credentials(spec)) {
      const observed = observedSecret(credential.name);
      const values: Record<string, string> = {};
      let lost = false;
      for (const key of credential.generated) {
        const current = decodeData(observed?.data, key) ?? credential.recover?.(observed?.data, key);
        if (isSet(current)) values[key] = current;
        // Never generated again while the servers or the data may use the old value (decision 5): a
        // new one would split them. The composite reports it (`<Title>Credentials`).
        else if (crUsesCredentials || volumesExist) lost = true;
        else values[key] = generatePassword(env.random);
      }
      if (lost) {
        // A Secret emptied by hand stays as it is: omitting it would delete it.
        const attached = attachments.get(RELATED_KINDS.Secret, credential.name);
        if (attached) desired.push(freeze(attached));
        continue;
      }
      credentials[credential.name] = values;
      const data = { ...values, ...credential.derive?.(values) };
      desired.push(secret(parent, part.component, credential.name, data, owners));
    }
    const input: ConnectionInput = { namespace: parent.namespace, related, observedSecret, credentials };
    for (const record of part.records?.(spec, input) ?? []) {
      desired.push(secret(parent, part.component, record.name, record.data, owners));
    }
    if (!crExists) continue;
    const data = part.connection(spec, input);
    const name = connectionSecretName(spec);
    if (data) desired.push(secret(parent, part.component, name, data));
    else {
      // Not buildable yet (operator status incomplete): keep what exists rather than drop it.
      const existing = attachments.get(RELATED_KINDS.Secret, name);
      if (existing) desired.push(freeze(existing));
    }
  }
  // An enabled component never loses a Secret it has: the composite refuses what would drop one (a
  // live component renamed keeps its custom resource, which needs the old Secrets), and an omitted
  // attachment is a deleted password.
  const enabled = new Set(
    PARTS.filter((part) => part.select(resolution.spec).enabled).map((p) => p.component),
  );
  for (const attached of attachments.all) {
    const component = attached.metadata.labels?.[COMPONENT_LABEL] as ComponentName | undefined;
    const kept = desired.some((d) => d.metadata.name === attached.metadata.name);
    if (component !== undefined && enabled.has(component) && !kept) desired.push(freeze(attached));
  }
  return { status: null, attachments: desired.sort(compareObjects) };
}

/** The decorator's customize hook: the operator custom resources and retained Secrets it reads. */
export function customizeSecrets(request: CustomizeRequest): CustomizeResponse {
  const parent = parentRef(request.parent);
  const parsed = WeightsAndBiasesSpec.safeParse(request.parent.spec ?? {});
  if (!parsed.success) return { relatedResources: [] };
  const { spec } = resolveSpec(parsed.data, parent);
  const byResource = new Map<string, { ref: KindRef; names: Set<string> }>();
  for (const part of PARTS) {
    const own = part.select(spec);
    // Secrets that outlived an earlier parent (retained with their volumes) are reused, and the
    // volumes' UIDs make them owners of the Secrets that must live as long as they do; while a volume
    // exists a lost credential is not generated again. Related objects are only read, never adopted
    // or deleted (reference/metacontroller.md §3.4), so asking for PVCs is safe.
    const wanted: Array<{ ref: KindRef; name: string }> = [
      ...part.credentials(own).map(({ name }) => ({ ref: RELATED_KINDS.Secret, name })),
      ...(part.recordNames?.(own) ?? []).map((name) => ({ ref: RELATED_KINDS.Secret, name })),
      ...dataVolumesNeeding(part.component, own).map((name) => ({
        ref: RELATED_KINDS.PersistentVolumeClaim,
        name,
      })),
    ];
    for (const { ref, name } of wanted) {
      const key = `${ref.apiVersion} ${ref.resource}`;
      const entry = byResource.get(key) ?? { ref, names: new Set() };
      entry.names.add(name);
      byResource.set(key, entry);
    }
    // Disabled components too: their Secrets stay while their custom resources exist.
    for (const { ref, name } of part.sources(own)) {
      const key = `${ref.apiVersion} ${ref.resource}`;
      const entry = byResource.get(key) ?? { ref, names: new Set() };
      entry.names.add(name);
      byResource.set(key, entry);
    }
  }
  const rules: RelatedResourceRule[] = [...byResource.values()]
    .sort((a, b) =>
      compareObjects({ ...a.ref, metadata: { name: '' } }, { ...b.ref, metadata: { name: '' } }),
    )
    .map(({ ref, names }) => ({
      apiVersion: ref.apiVersion,
      resource: ref.resource,
      namespace: parent.namespace,
      names: [...names].sort(),
    }));
  const anyEnabled = PARTS.some((part) => part.select(spec).enabled);
  return { relatedResources: anyEnabled ? [...rules, parentsRule(parent.namespace)] : rules };
}
