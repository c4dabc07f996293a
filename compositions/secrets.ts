// The wandb-secrets DecoratorController: credential and connection Secrets as attachments of the
// parent, never children of the CompositeController (decision 4: Metacontroller would adopt and
// delete the Secrets Strimzi creates with our labels). The two controllers cannot see each other's
// objects, so each asks for what it needs through its customize hook.
import { nameCollisions, parentsRule } from './collisions.js';
import {
  COMPONENT_LABEL,
  type Component,
  type ConnectionInput,
  childLabels,
  connectionSecretName,
  type ResolvedCommon,
} from './component.js';
import { COMPONENTS } from './components/index.js';
import { decodeData, encodeData, generatePassword, isSet, type RandomSource } from './credentials.js';
import { appliedByMetacontroller, freeze } from './freeze.js';
import {
  type Child,
  compareObjects,
  type KindRef,
  type KubeObject,
  ObservedObjects,
  type OwnerReference,
  RELATED_KINDS,
} from './kube.js';
import type {
  CustomizeRequest,
  CustomizeResponse,
  DecoratorSyncRequest,
  RelatedResourceRule,
} from './metacontroller.js';
import { parentSpec } from './parent-spec.js';
import { type ParentRef, parentRef, type ResolvedSpec } from './presets.js';
import { runningVersion, VERSION_RECORD_KEY, versionRecordName } from './versions.js';

export interface SecretsEnvironment {
  readonly random: RandomSource;
}

/** A DecoratorController sync response; `status: null` leaves the parent's status to the composite. */
export interface SecretsResult {
  readonly status: null;
  readonly attachments: Child[];
}

/**
 * The PVCs whose data needs the component's credential and record Secrets (`dataNeedsSecrets`): each
 * Secret gets a non-controller owner reference to them, so garbage collection keeps it after the
 * parent is gone for exactly as long as the data (decision 8), and while one exists a lost credential
 * is never generated again (decision 5).
 */
const dataVolumesNeeding = <S extends ResolvedCommon>(component: Component<S>, spec: S): readonly string[] =>
  component.dataNeedsSecrets ? component.dataVolumes(spec) : [];

function secret(
  parent: ParentRef,
  component: string,
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

/**
 * The version record (versions.ts): the version the component's custom resource is set to, kept in a
 * Secret the data volumes own, so a parent re-created over retained volumes takes that version, not
 * this release's default. Kept while the custom resource or any data volume exists, whatever the
 * policy and whether the component is enabled; gone with the last of them.
 */
function versionRecord<S extends ResolvedCommon>(
  component: Component<S>,
  spec: S,
  parent: ParentRef,
  related: ObservedObjects,
  observedSecret: (name: string) => KubeObject | undefined,
): Child | undefined {
  const running = runningVersion(component.version, spec.name, related);
  const volumes = component.dataVolumes(spec);
  const childExists = component.version.children(spec.name).some(({ ref, name }) => related.has(ref, name));
  if (!childExists && !volumes.some((name) => related.has(RELATED_KINDS.PersistentVolumeClaim, name)))
    return undefined;
  const name = versionRecordName(spec.name);
  const version = running?.version ?? decodeData(observedSecret(name)?.data, VERSION_RECORD_KEY);
  if (!version) return undefined;
  return secret(
    parent,
    component.name,
    name,
    { [VERSION_RECORD_KEY]: version },
    volumeOwners(volumes, related),
  );
}

/** The decorator's sync hook. */
export function syncSecrets(
  request: DecoratorSyncRequest,
  env: SecretsEnvironment,
  registry: readonly Component[] = COMPONENTS,
): SecretsResult {
  const parent = parentRef(request.object);
  const attachments = ObservedObjects.fromMaps(request.attachments);
  const related = ObservedObjects.fromMaps(request.related);
  const ofParent = parentSpec(parent, request.object.spec, registry);
  const resolution = ofParent.parsed.success ? ofParent.resolved() : undefined;
  // A disabled component whose custom resource still exists keeps its Secrets (below), so it keeps its names.
  const removing = (spec: ResolvedSpec) =>
    registry
      .filter((component) => {
        const own = component.select(spec);
        return !own.enabled && component.secrets.sources(own).some(({ ref, name }) => related.has(ref, name));
      })
      .map((component) => component.name);
  if (
    !resolution ||
    resolution.problems.length > 0 ||
    nameCollisions(resolution.spec, parent, related, removing(resolution.spec), registry).length > 0
  ) {
    // Invalid spec: change nothing (the composite reports why).
    return { status: null, attachments: attachments.all.map(freeze).sort(compareObjects) };
  }

  const desired: Child[] = [];
  for (const component of registry) {
    const part = component.secrets;
    const spec = component.select(resolution.spec);
    const sources = part.sources(spec).flatMap(({ ref, name }) => related.get(ref, name) ?? []);
    const crExists = sources.length > 0;
    // A custom resource we applied was created with the credentials: a missing one was lost.
    const crUsesCredentials = sources.some(appliedByMetacontroller);
    const volumes = dataVolumesNeeding(component, spec);
    const volumesExist = volumes.some((name) => related.has(RELATED_KINDS.PersistentVolumeClaim, name));
    // A component's Secrets live while it is enabled, while its custom resource still exists (a
    // disabled component is removed in phases; its operator may still need the credentials), and
    // those the data needs while its volumes exist (a disabled component's volumes may be retained).
    const observedSecret = (name: string) =>
      attachments.get(RELATED_KINDS.Secret, name) ?? related.get(RELATED_KINDS.Secret, name);
    const record = versionRecord(component, spec, parent, related, observedSecret);
    if (record) desired.push(record);
    if (!spec.enabled && !crExists && !volumesExist) continue;
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
      desired.push(secret(parent, component.name, credential.name, data, owners));
    }
    const input: ConnectionInput = { namespace: parent.namespace, related, observedSecret, credentials };
    for (const record of part.records?.(spec, input) ?? []) {
      desired.push(secret(parent, component.name, record.name, record.data, owners));
    }
    if (!crExists) continue;
    const data = part.connection(spec, input);
    const name = connectionSecretName(spec);
    if (data) desired.push(secret(parent, component.name, name, data));
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
    registry.filter((component) => component.select(resolution.spec).enabled).map((c) => c.name),
  );
  for (const attached of attachments.all) {
    const component = attached.metadata.labels?.[COMPONENT_LABEL];
    const kept = desired.some((d) => d.metadata.name === attached.metadata.name);
    if (component !== undefined && enabled.has(component) && !kept) desired.push(freeze(attached));
  }
  return { status: null, attachments: desired.sort(compareObjects) };
}

/** The decorator's customize hook: the operator custom resources and retained Secrets it reads. */
export function customizeSecrets(
  request: CustomizeRequest,
  registry: readonly Component[] = COMPONENTS,
): CustomizeResponse {
  const parent = parentRef(request.parent);
  const ofParent = parentSpec(parent, request.parent.spec, registry);
  if (!ofParent.parsed.success) return { relatedResources: [] };
  const { spec } = ofParent.resolved();
  const byResource = new Map<string, { ref: KindRef; names: Set<string> }>();
  for (const component of registry) {
    const part = component.secrets;
    const own = component.select(spec);
    // Secrets that outlived an earlier parent (retained with their volumes) are reused, and the
    // volumes' UIDs make them owners of the Secrets that must live as long as they do; while a volume
    // exists a lost credential is not generated again. Related objects are only read, never adopted
    // or deleted (reference/metacontroller.md §3.4), so asking for PVCs is safe.
    // Every component's volumes: they own its version record (versionRecord).
    const wanted: Array<{ ref: KindRef; name: string }> = [
      ...part.credentials(own).map(({ name }) => ({ ref: RELATED_KINDS.Secret, name })),
      ...(part.recordNames?.(own) ?? []).map((name) => ({ ref: RELATED_KINDS.Secret, name })),
      { ref: RELATED_KINDS.Secret, name: versionRecordName(own.name) },
      ...component.dataVolumes(own).map((name) => ({ ref: RELATED_KINDS.PersistentVolumeClaim, name })),
      ...component.version.children(own.name),
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
  const anyEnabled = registry.some((component) => component.select(spec).enabled);
  return { relatedResources: anyEnabled ? [...rules, parentsRule(parent.namespace)] : rules };
}
