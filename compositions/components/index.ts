// The components, in rollout order. Adding one: write compositions/components/<name>.ts, add it
// here, list its kinds in manifests/composite-controller.yaml, and give it tests and a fixture.
import type { Component } from '../component.js';
import { mysql } from './mysql.js';

export const COMPONENTS: readonly Component<unknown>[] = [mysql];
