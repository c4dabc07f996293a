// What a child being deleted waits for, in words a user can act on: the object, the finalizers that
// hold it, since when, and whether its operator has acted, so a slow operator reads differently from
// an absent one. Shared by sync (a child deleted under an enabled component) and removal.
import type { Component } from './component.js';
import { type ConditionType, type Finding, Reasons } from './conditions.js';
import type { KubeObject } from './kube.js';

/** What describing a termination needs of a component: nothing that depends on its spec. */
type Operated = Pick<Component, 'title' | 'deletionProgress'>;

export const isTerminating = (object: KubeObject): boolean => object.metadata.deletionTimestamp !== undefined;

/** `Kafka k is being deleted since T, held by finalizer f; …` for an object with a deletionTimestamp. */
export function describeTermination(component: Operated, object: KubeObject): string {
  const who = `${object.kind} ${object.metadata.name}`;
  const since = object.metadata.deletionTimestamp ?? 'an unknown time';
  const finalizers = object.metadata.finalizers ?? [];
  if (finalizers.length === 0) {
    return `${who} is being deleted since ${since} and no finalizer holds it: the garbage collector removes it`;
  }
  const held = `${who} is being deleted since ${since}, held by finalizer${finalizers.length === 1 ? '' : 's'} ${finalizers.join(', ')}`;
  const progress = component.deletionProgress?.(object);
  if (!progress) {
    return `${held}; its operator reports nothing while it deletes, so if this lasts, check that the ${component.title} operator is running`;
  }
  return progress.acted
    ? `${held}; its operator is working on it (${progress.evidence})`
    : `${held}; its operator has not acted on it yet (${progress.evidence}): check that the ${component.title} operator is running`;
}

/** A child's write condition while it is being deleted; `then` says what follows its deletion. */
export const terminating = (
  type: ConditionType,
  component: Operated,
  object: KubeObject,
  then = '',
): Finding => ({
  type,
  status: 'False',
  reason: Reasons.PendingDelete,
  message: `${describeTermination(component, object)}${then}`,
  implies: 'Unavailable',
});
