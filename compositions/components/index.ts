// The component registry, in rollout order: the one list that names the components. The parent
// schema, the CRD, the controller's child kinds, the status keys and every hook derive from it.
// Adding a component: README.md, "Adding a component".
import type { Component } from '../component.js';
import { clickhouse } from './clickhouse.js';
import { kafka } from './kafka.js';
import { minio } from './minio.js';
import { mysql } from './mysql.js';
import { redis } from './redis.js';

const REGISTRY = [mysql, redis, kafka, minio, clickhouse] as const;

export const COMPONENTS: readonly Component[] = REGISTRY;

/** The registered components, each with its own types (for the parent's and the resolved spec's types). */
export type RegisteredComponent = (typeof REGISTRY)[number];
export type ComponentName = RegisteredComponent['name'];

export const COMPONENT_NAMES: readonly ComponentName[] = REGISTRY.map((c) => c.name);
