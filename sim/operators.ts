// Scripted operators: each moves its custom resources one step per round through the status
// values the real operator writes (reference/infra-crds.md §7), creates the PVCs and Secrets it
// would, and honours its deletion knobs and finalizers. Deliberately small: no pods, no Services.
// One file per operator under operators/, each a function that returns a fresh operator (a plain
// object); one that remembers something between rounds takes that memory as an explicit object.
// This is the set a simulation runs.
import { altinity } from './operators/altinity.js';
import { minio } from './operators/minio.js';
import type { Operator } from './operators/operator.js';
import { opstree } from './operators/opstree.js';
import { percona } from './operators/percona.js';
import { statefulSets } from './operators/statefulsets.js';
import { strimzi } from './operators/strimzi.js';
import { volumes } from './operators/volumes.js';

export { CHI_FINALIZER, CHK_FINALIZER } from './operators/altinity.js';
export type { Operator, OperatorContext } from './operators/operator.js';
export { STRIMZI_PAUSE_ANNOTATION } from './operators/strimzi.js';

/** A fresh set of operators, in the order a round runs them. */
export function createOperators(): Operator[] {
  return [percona(), strimzi(), altinity(), minio(), opstree(), statefulSets(), volumes()];
}
