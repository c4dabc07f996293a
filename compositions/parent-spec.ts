// A parent's spec, parsed and resolved. Every hook call parses and resolves the spec it carries, and it
// is the same spec call after call: the result is remembered per parent name, namespace and spec text,
// and per versions the cluster pins (the resolution's only input from the cluster), so each call pays
// for one JSON.stringify of the spec and the pins instead.
// Resolutions are frozen; what is derived from them alone can be remembered by object (`perObject`).
import type { z } from 'zod';
import type { Component } from './component.js';
import { COMPONENTS } from './components/index.js';
import { BoundedMemo, deepFreeze } from './memo.js';
import { parentSchemas, type WeightsAndBiasesSpec } from './parent.js';
import { pinsIn, type Resolution, type ResolutionParent, resolvePinned } from './presets.js';
import type { VersionInputs } from './versions.js';

export type ParsedSpec = z.ZodSafeParseResult<WeightsAndBiasesSpec>;

/** One parent spec: how it parses, and its resolutions. */
export class ParentSpec {
  private withDefaults: Resolution | undefined;
  // Keyed by the pinned versions: one or two at a time (a version changes by an edit or an upgrade).
  private readonly pinned = new BoundedMemo<Resolution>(4, 4096);

  constructor(
    private readonly parent: ResolutionParent,
    readonly parsed: ParsedSpec,
    private readonly registry: readonly Component[],
  ) {}

  /**
   * The resolution, each version pinned to what runs in `cluster` (versions.ts); without it, a version
   * the spec leaves unset is this release's default. Only for a spec that parsed. As `resolveSpec`
   * does it, except that the resolution is remembered by the pins it is resolved with.
   */
  resolved(cluster?: VersionInputs): Resolution {
    if (!this.parsed.success) throw new Error('resolved() needs a spec that parses');
    const data = this.parsed.data;
    this.withDefaults ??= deepFreeze(resolvePinned(data, this.parent, this.registry));
    if (!cluster) return this.withDefaults;
    const pins = pinsIn(this.withDefaults.spec, this.registry, cluster);
    const key = [...pins.values()].map(({ source, version }) => `${source} ${version}`).join('\n');
    return this.pinned.get(key, () => deepFreeze(resolvePinned(data, this.parent, this.registry, pins)));
  }
}

// Per registry (tests pass their own); up to 128 parent specs of up to 16 kB each.
const memos = new WeakMap<readonly Component[], BoundedMemo<ParentSpec>>();

/** `spec` as the parent carries it (unparsed), parsed and ready to resolve; remembered. */
export function parentSpec(
  parent: ResolutionParent,
  spec: unknown,
  registry: readonly Component[] = COMPONENTS,
): ParentSpec {
  let memo = memos.get(registry);
  if (!memo) {
    memo = new BoundedMemo<ParentSpec>(128, 16_384);
    memos.set(registry, memo);
  }
  // The name decides default names and the namespace appears in problems; nothing else of the parent counts.
  const key = `${parent.namespace}\n${parent.name}\n${JSON.stringify(spec ?? {})}`;
  return memo.get(key, () => {
    const parsed = parentSchemas(registry).spec.safeParse(spec ?? {});
    if (parsed.success) deepFreeze(parsed.data);
    return new ParentSpec({ name: parent.name, namespace: parent.namespace }, parsed, registry);
  });
}
