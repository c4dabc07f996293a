// The one interface every infrastructure component fills: its slice of the parent spec, presets,
// resolution, names, Secrets, admission rules and conditions. All inputs arrive in one read-only
// context; nothing is read from anywhere else. compositions/components/index.ts is the registry.
import type { z } from 'zod';
import type { Transition } from './admission.js';
import type { ConditionType, Finding } from './conditions.js';
import type { Child, KindRef, KubeObject, ObservedObjects } from './kube.js';
import type { RelatedResourceRule } from './metacontroller.js';
import { trimEnd } from './names.js';
import type { Operation } from './operations.js';
import type { ParentRef, ResolvedSpec, RetentionMode } from './presets.js';
import type { ResourceRequirements, Size } from './schema.js';
import type { VersionPolicy, VersionSource } from './versions.js';

/** What removing a component does to its data, for the deletion plan and the status. */
export interface RetentionPlan {
  readonly policy: RetentionMode;
  /** What happens to the data volumes, and by which operator knob. */
  readonly volumes: string;
  /** What happens to credentials the data depends on. */
  readonly credentials: string;
  /** A step the operator cannot take and the user must, if any. */
  readonly manual?: string;
}

/** What an observed child's knobs say removal would do: a policy, no knob at all, or knobs that disagree. */
export type AppliedRetention = RetentionMode | 'none' | 'mixed';

/** The one reading of many knobs (volumes, templates): their common policy, or `mixed`. */
export function agreedRetention(policies: readonly RetentionMode[]): AppliedRetention {
  if (policies.length === 0) return 'none';
  return policies.every((p) => p === policies[0]) ? (policies[0] as RetentionMode) : 'mixed';
}

/** Knobs in effect in the child's own spec: the operator reads them when the child is deleted. */
export const carriesPolicy = (applied: AppliedRetention, policy: RetentionMode): boolean =>
  applied === 'none' || applied === policy;

export interface ComponentContext<S> {
  readonly parent: ParentRef;
  /** This component's resolved spec (presets and retention policy applied). */
  readonly spec: S;
  /** Children Metacontroller observed for this parent, all kinds. */
  readonly observed: ObservedObjects;
  /** Objects returned for our customize rules (StatefulSets, Secrets, Tenants, …). */
  readonly related: ObservedObjects;
}

/** A child kind a component owns, and the conditions its children of that kind carry. */
export interface OwnedKind {
  readonly ref: KindRef;
  /** The reference's write condition, e.g. `KafkaCustomResource`, `NodePoolCustomResource` (reference §5). */
  readonly condition: ConditionType;
  /**
   * The condition `observe` judges from this kind's operator status, if any. It is present from the
   * first sync: `Unknown` (`notCreated`) while the child does not exist.
   */
  readonly reported?: ConditionType;
}

/**
 * The condition types of a component besides its kinds' (`OwnedKind`), declared in its file. The
 * first three and `version` are present from the first sync while it is enabled; `credentials`, `removal` and
 * `operation` are present only while their situation lasts, since their presence is the signal (the alerts leave out
 * a component with a Removal condition).
 */
export interface ComponentConditions {
  readonly reportedReady: ConditionType;
  readonly connectionInfo: ConditionType;
  readonly hasBeenReady: ConditionType;
  readonly credentials: ConditionType;
  readonly removal: ConditionType;
  /** The version and where it came from; present from the first sync while enabled. */
  readonly version: ConditionType;
  /** Present only while a day-2 operation runs (compositions/operations.ts). */
  readonly operation: ConditionType;
}

/** The fields of every component's slice of the parent spec (schema.ts `componentFields`). */
export interface UserSpec {
  readonly enabled: boolean;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly storageSize?: string | undefined;
  readonly replicas?: number | undefined;
  readonly telemetry?: { readonly enabled: boolean } | undefined;
  readonly retentionPolicy?: { readonly onDelete: RetentionMode } | undefined;
  readonly version?: string | undefined;
  readonly config?: { readonly resources?: ResourceRequirements | undefined } | undefined;
}

/** What a size preset gives every component; a component's preset may add its own fields. */
export interface Preset {
  readonly storageSize: string;
  readonly replicas: number;
  readonly resources: ResourceRequirements | undefined;
}

/** The fields of every resolved component spec. */
export interface ResolvedCommon {
  readonly enabled: boolean;
  /** Base name of the component's custom resources (decision 1). */
  readonly name: string;
  readonly storageSize: string;
  readonly replicas: number;
  readonly resources: ResourceRequirements | undefined;
  readonly telemetry: boolean;
  readonly retention: RetentionMode;
  /** The version it runs at, and where that came from (compositions/versions.ts). */
  readonly version: string;
  readonly versionSource: VersionSource;
}

/** How a component's default base name is made, and how long a base name may be. */
export interface Naming {
  /** The default base name is `<parent>-<suffix>`. */
  readonly suffix: string;
  /** The longest base name whose derived names (StatefulSets, Services, pods) all stay legal. */
  readonly maxLength: number;
  /** Which derived name sets `maxLength`, for the InvalidSpec message. */
  readonly reason: string;
}

/** What `resolve` gets: the user's slice, the size's preset, the common fields already resolved. */
export interface ResolveInput<U, P> {
  readonly user: U | undefined;
  readonly preset: P;
  readonly common: ResolvedCommon;
  /** Why the spec cannot be carried out: `resolve` appends one sentence per problem. */
  readonly problems: string[];
}

export interface Component<
  S extends ResolvedCommon = ResolvedCommon,
  U extends UserSpec = UserSpec,
  P extends Preset = Preset,
  N extends string = string,
> {
  /** The spec field (`spec.<name>`), the status key (`<name>Status`) and the component label. */
  readonly name: N;
  /** Prefix of condition types and the printer column: `MySQL`, `Redis`, `Kafka`, `Minio`, `ClickHouse`. */
  readonly title: string;
  /** The zod schema of `spec.<name>`; the CRD is generated from it. */
  readonly schema: z.ZodType<U>;
  readonly presets: Readonly<Record<Size, P>>;
  readonly naming: Naming;
  /** How the component's version is named, read from the running child and ordered. */
  readonly version: VersionPolicy;
  /** The component's resolved spec: the common fields plus its own. Called for every sync, enabled or not. */
  resolve(input: ResolveInput<U, P>): S;
  /** The CRD's transition rules for edits this component's operator cannot carry out (admission.ts). */
  readonly transitions: readonly Transition[];
  readonly kinds: readonly OwnedKind[];
  readonly conditions: ComponentConditions;
  /** This component's part of the resolved spec. */
  select(spec: ResolvedSpec): S;
  /** Every child the component wants, each carrying the data knobs of the resolved retention policy. */
  desired(context: ComponentContext<S>): Child[];
  /** `conditions.reportedReady`, the kinds' `reported` and any other findings read from the operators' status. */
  observe(context: ComponentContext<S>): Finding[];
  /**
   * Day-2 operations the operator is still carrying out on the observed children (an upgrade, a resize,
   * a scaling), read from its own status; reported as `conditions.operation` (compositions/operations.ts).
   */
  operations?(context: ComponentContext<S>): Operation[];
  /**
   * The Secrets the DecoratorController keeps for the component (decision 4): credentials its custom
   * resources reference, the connection details, and records the data needs.
   */
  readonly secrets: ComponentSecrets<S>;
  /**
   * Present when the data on the volumes needs this component's Secrets (MinIO encrypts its IAM data
   * with the root credentials; Kafka's volumes carry the cluster ID recorded in a Secret). Those
   * Secrets then get the PVCs as owners and live as long as the data; a credential lost while a volume
   * exists is never generated again (decision 5), so the component must ask for its `dataVolumes` in
   * `relatedRules` to report it. `deleteVolumes` is the command that discards the data on purpose.
   */
  readonly dataNeedsSecrets?: { deleteVolumes(spec: S, namespace: string): string };
  /**
   * Every name the component's objects take in the namespace, besides its credential Secrets,
   * connection Secret and data volumes (see `namesOf`): its custom resources and what their operator
   * derives from them (Services, StatefulSets, Secrets). Two components, or two parents, must never
   * share one (`compositions/collisions.ts`).
   */
  ownedNames(spec: S): OwnedName[];
  /** What readiness needs beyond the children, always limited to the parent's namespace. */
  relatedRules(spec: S, namespace: string): RelatedResourceRule[];
  /** Edits the operator cannot carry out, found by comparing desired with observed children. */
  refusedEdits(context: ComponentContext<S>): string[];
  /** Whether the retention knobs of this observed child are in effect (retention phase 1 done). */
  knobsInEffect(context: ComponentContext<S>, observed: KubeObject): boolean;
  /**
   * `frozen` (the observed child as last applied, or its identity: see `freeze`) with this
   * component's retention knobs set for `policy` and nothing else changed. Removal phase 1 returns
   * it, so no spec edit reaches a database on its way out (decision 7). A knob inside a list
   * (finalizers, volumes) starts from `frozen`'s list, else from `observed`'s: Metacontroller
   * replaces lists wholesale.
   */
  withRetentionKnobs(frozen: Child, observed: KubeObject, policy: RetentionMode): Child;
  /** The policy this observed child's knobs carry: `none` for a kind without knobs, `mixed` when they disagree. */
  appliedRetention(observed: KubeObject): AppliedRetention;
  /** What the status must keep saying while the component is removed (Kafka: its retained volumes). */
  removalFindings?(context: ComponentContext<S>): Finding[];
  /**
   * The PVCs the operator creates for the data (names only; they are not our children). Read on every
   * sync: remember them per spec (`perObject`).
   */
  dataVolumes(spec: S): readonly string[];
  /** What removal does to the data under the resolved policy. */
  retentionPlan(spec: S, namespace: string): RetentionPlan;
  /**
   * Whether the operator has acted on this child since it was marked for deletion, read from the
   * operator's own status, with the evidence; absent where the operator's status carries no such signal.
   */
  deletionProgress?(object: KubeObject): DeletionProgress;
}

/** A credential Secret: the keys generated once, and how to extend or read them back. */
export interface CredentialSecret {
  readonly name: string;
  readonly generated: readonly string[];
  /** Keys computed from the generated values (MinIO's `config.env`). */
  readonly derive?: (values: Readonly<Record<string, string>>) => Record<string, string>;
  /** Reads a generated value back from a Secret written in another layout (e.g. by the reference). */
  readonly recover?: (data: unknown, key: string) => string | undefined;
}

/** What a component's connection details and records are built from. */
export interface ConnectionInput {
  readonly namespace: string;
  readonly related: ObservedObjects;
  /** Our Secrets as observed: attachments first, else a same-named Secret that outlived a parent. */
  readonly observedSecret: (name: string) => KubeObject | undefined;
  /** Credential values by Secret name and key. */
  readonly credentials: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A component's Secrets, kept by the DecoratorController (compositions/secrets.ts). */
export interface ComponentSecrets<S> {
  /** The custom resources whose existence keeps the Secrets, and whose status feeds the connection. */
  sources(spec: S): Array<{ ref: KindRef; name: string }>;
  /**
   * Secrets the custom resources reference. A custom resource is created only once every one of them
   * is observed (decision 4).
   */
  credentials(spec: S): CredentialSecret[];
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

/** The names of the credential Secrets a component's custom resources reference. */
export const credentialSecrets = <S extends ResolvedCommon>(component: Component<S>, spec: S): string[] =>
  component.secrets.credentials(spec).map(({ name }) => name);

/** A Service's cluster-local host name. */
export const serviceHost = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

/** userinfo for a URL: percent-encoded as RFC 3986 requires (not query encoding: a space is %20). */
export const userinfo = (user: string, password: string) =>
  `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;

/** What an operator's status says about a child being deleted (`describeTermination`). */
export interface DeletionProgress {
  readonly acted: boolean;
  /** The status field that says so, e.g. `status.state is stopping`. */
  readonly evidence: string;
}

/** A name taken in the parent's namespace by an object of `kind` (a child, a Secret, or what an operator derives). */
export interface OwnedName {
  readonly kind: string;
  readonly name: string;
  /**
   * The operator gives this name to every instance in the namespace (MinIO's Service `minio`): two
   * parents with the same component meet through that component's own rule, not as a name collision.
   */
  readonly perNamespace?: true;
}

export const namesOfKind = (kind: string, names: readonly string[]): OwnedName[] =>
  names.map((name) => ({ kind, name }));

/** The label that says which component a child or Secret belongs to. */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Common labels of every child; `controller-uid` is added by Metacontroller (generateSelector). */
export function childLabels(parent: ParentRef, component: string): Record<string, string> {
  return {
    [COMPONENT_LABEL]: component,
    'app.kubernetes.io/instance': instanceLabel(parent.name),
    'app.kubernetes.io/managed-by': 'wandb-infra-hooks',
    'app.kubernetes.io/part-of': 'wandb',
  };
}

/** Label values are limited to 63 characters; parent names may be longer. */
export function instanceLabel(parentName: string): string {
  return parentName.length <= 63 ? parentName : trimEnd(parentName.slice(0, 63), '-.');
}

/** The Secret holding a component's connection details (`url` and parts), as in the reference. */
export const connectionSecretName = (spec: { readonly name: string }): string => `${spec.name}-connection`;
