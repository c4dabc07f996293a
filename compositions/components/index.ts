// The components, in rollout order. Adding one: write compositions/components/<name>.ts, add it
// here, list its kinds in manifests/composite-controller.yaml, and give it tests and a fixture.
import type { Component } from '../component.js';
import { clickhouse } from './clickhouse.js';
import { kafka } from './kafka.js';
import { minio } from './minio.js';
import { mysql } from './mysql.js';
import { redis } from './redis.js';

export const COMPONENTS: readonly Component<unknown>[] = [mysql, redis, kafka, minio, clickhouse];
