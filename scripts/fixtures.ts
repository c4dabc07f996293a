// Writes the request.json of every golden fixture (test/fixtures/<route>/<scenario>/). Each scenario
// is a story told through the simulator (sim/story.ts): its API server, Metacontroller's two
// controllers and the scripted operators; the request is what Metacontroller sent at that moment.
// Run `npx tsx scripts/fixtures.ts [--out DIR]`, then `npm run test:update` for the response.json files.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RELATED_KINDS } from '../compositions/kube.js';
import { REPO_ROOT } from '../sim/shared.js';
import { ALL_ENABLED, before, install, NOW, type Story, uuid } from '../sim/story.js';

type Json = Record<string, unknown>;

const DEV: Json = { size: 'dev', ...ALL_ENABLED };
const SMALL: Json = { size: 'small', ...ALL_ENABLED };
const SMALL_PURGE: Json = { size: 'small', retentionPolicy: { onDelete: 'purge' }, ...ALL_ENABLED };
const HOUR = 3600;
const PVC = RELATED_KINDS.PersistentVolumeClaim;

type Route = 'sync' | 'finalize' | 'customize' | 'secrets-sync' | 'secrets-customize';
const ROUTES: readonly Route[] = ['sync', 'finalize', 'customize', 'secrets-sync', 'secrets-customize'];
const scenarios = new Map<string, Json>();
const add = (route: Route, name: string, request: Json) => {
  const id = `${route}/${name}`;
  if (scenarios.has(id)) throw new Error(`scenario ${id} twice`);
  scenarios.set(id, request);
};

// First sync of a new parent: only Kafka (no credentials) may be created.
add('sync', 'dev-fresh-install', install('dev', DEV, 'applied', NOW).compositeSync());
add('sync', 'small-fresh-install', install('small', SMALL, 'applied', NOW).compositeSync());

// Both controllers react to the new parent; here the DecoratorController answered first, so the
// composite's first sync already sees the credential Secrets and no custom resource yet.
{
  const story = install('dev', DEV, 'applied', before(1));
  story.decoratorSync();
  add('sync', 'dev-secrets-ready', story.at(NOW).compositeSync());
}

// The sync after the operators' last status updates: everything ready.
add('sync', 'dev-all-ready', install('dev', DEV, 'operators-ready', before(1)).at(NOW).compositeSync());
add('sync', 'small-all-ready', install('small', SMALL, 'operators-ready', before(1)).at(NOW).compositeSync());

// A resync of a converged parent: nothing changes, whatever the clock says.
add('sync', 'dev-steady-state', install('dev', DEV, 'ready', before(HOUR)).at(NOW).compositeSync());

// kafka.storageSize grown: Metacontroller updated the pool, Strimzi has not reconciled it yet.
{
  const story = install('small', SMALL, 'ready', before(HOUR));
  story.at(before(60)).editParent((s) => {
    s.kafka = { enabled: true, storageSize: '10Gi' };
  });
  story.at(before(59)).compositeSync();
  add('sync', 'small-kafka-stale-pool-generation', story.at(NOW).compositeSync());
}

// An edit the hook must refuse while children carry operator finalizers and defaulted fields.
{
  const story = install('small', SMALL, 'ready', before(HOUR));
  story.at(before(30)).editParent((s) => {
    s.mysql = { enabled: true, namespace: 'databases' };
  });
  add('sync', 'invalid-spec-foreign-namespace', story.at(NOW).compositeSync());
}
// Brokers removed without Cruise Control (Strimzi would revert it): 3 controllers + 2 brokers back to 3.
{
  const story = install('small', { ...SMALL, kafka: { enabled: true, replicas: 5 } }, 'ready', before(HOUR));
  story.at(before(30)).editParent((s) => {
    s.kafka = { enabled: true, replicas: 3 };
  });
  add('sync', 'invalid-spec-kafka-scale', story.at(NOW).compositeSync());
}

// MinIO disabled under retain: the first sync that sees it keeps the Tenant (phase 1).
{
  const story = install('dev', DEV, 'ready', before(HOUR));
  story.at(before(5)).editParent((s) => {
    s.minio = { enabled: false };
  });
  add('sync', 'minio-disabled-retain-phase1', story.at(NOW).compositeSync());
}

/** Finalize calls until the parent is gone, with the cluster's reactions between them. */
function walk(story: Story, between: Array<(s: Story) => void>): Json[] {
  const requests: Json[] = [];
  for (let step = 0; story.parent(); step++) {
    if (step > 8) throw new Error(`story ${story.name}: finalize does not finish`);
    requests.push(story.compositeSync());
    between[step]?.(story);
  }
  return requests;
}

/** The operators notice the deletions (one step each), then finish them. */
const operatorsStartDeleting = (s: Story) => s.step();
const operatorsFinishDeleting = (s: Story) => s.settle();

function addWalk(prefix: string, names: readonly string[], requests: readonly Json[]): void {
  if (requests.length !== names.length) throw new Error(`${prefix} took ${requests.length} steps`);
  for (const [i, request] of requests.entries()) add('finalize', `${prefix}-${names[i]}`, request);
}

// Purge: knobs were in effect all along; phase 2 starts at the second call.
{
  const story = install('small-purge', SMALL_PURGE, 'ready', before(HOUR));
  story.at(NOW).deleteParent();
  addWalk(
    'purge-walk',
    [
      '01-first-call-keeps-children-with-purge-knobs',
      '02-knobs-in-effect-children-omitted',
      '03-operators-still-deleting',
      '04-all-gone-finalized',
    ],
    walk(story, [() => {}, operatorsStartDeleting, operatorsFinishDeleting]),
  );
}

// Retain: purge until the user switched to retain and deleted at once, so the first finalize call
// must re-apply the knobs and wait for Strimzi to reconcile deleteClaim on the pool.
{
  const story = install('small-retain', SMALL_PURGE, 'ready', before(HOUR));
  story.at(NOW).editParent((s) => {
    s.retentionPolicy = { onDelete: 'retain' };
  });
  story.deleteParent();
  addWalk(
    'retain-walk',
    [
      '01-first-call-applies-retain-knobs',
      '02-waits-for-strimzi-to-apply-deleteclaim',
      '03-knobs-in-effect-kafka-omitted',
      '04-all-gone-finalized',
    ],
    walk(story, [
      // Altinity starts on the CHI's new spec (a new taskID); Strimzi has not seen the pool yet.
      (s) => s.step('altinity'),
      operatorsStartDeleting,
      operatorsFinishDeleting,
    ]),
  );
}

// The same manifest applied again after a retain deletion: a new parent over the old volumes, with
// the Secrets that outlived the old parent because the PVCs own them too.
{
  const story = install('small-recreated', SMALL, 'ready', before(2 * HOUR));
  story.at(before(HOUR)).deleteParent();
  walk(story, [() => {}, operatorsStartDeleting, operatorsFinishDeleting]);
  if (story.cluster.list(PVC.apiVersion, PVC.kind).length === 0) throw new Error('no retained PVCs');
  story.at(before(1)).applyParent(SMALL, { uid: uuid('small-recreated/second-parent') });
  add('sync', 'kafka-recreated-over-retained-volumes', story.at(NOW).compositeSync());
}

// kubectl delete --cascade=orphan: let go at once.
{
  const story = install('dev', DEV, 'ready', before(HOUR));
  story.at(NOW).deleteParent({ orphan: true });
  add('finalize', 'orphan-cascade', story.compositeSync());
}

// Customize hooks (called before every sync; they depend on the spec only).
{
  const story = install('small', SMALL, 'applied', NOW);
  const customize = story.customizeRequests(story.compositeSync());
  add('customize', 'small-all-enabled', customize.composite);
  add('secrets-customize', 'small-all-enabled', customize.decorator);
}

// The decorator: its first call (nothing exists yet), and a steady state with its Secrets observed.
add('secrets-sync', 'small-first-sync', install('small', SMALL, 'applied', NOW).decoratorSync());
add(
  'secrets-sync',
  'small-steady-state',
  install('small', SMALL, 'ready', before(60)).at(NOW).decoratorSync(),
);

// ---- write -----------------------------------------------------------------------------------------------------

const outIndex = process.argv.indexOf('--out');
const FIXTURES =
  outIndex > 0 ? path.resolve(process.argv[outIndex + 1] ?? '') : path.join(REPO_ROOT, 'test', 'fixtures');
const written = new Set<string>();
for (const [id, request] of scenarios) {
  const directory = path.join(FIXTURES, id);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'request.json'), `${JSON.stringify(request, null, 2)}\n`);
  written.add(id);
}
// Scenario folders of our routes that this script no longer writes are stale: remove them with
// their responses. Other folders under test/fixtures/ belong to other tests and are never touched.
for (const route of ROUTES) {
  const folder = path.join(FIXTURES, route);
  for (const scenario of readdirSync(folder, { withFileTypes: true })) {
    const id = `${route}/${scenario.name}`;
    if (scenario.isDirectory() && !written.has(id)) {
      rmSync(path.join(folder, scenario.name), { recursive: true });
      console.log(`removed stale fixture ${id}`);
    }
  }
}
let bytes = 0;
for (const id of written) bytes += statSync(path.join(FIXTURES, id, 'request.json')).size;
console.log(`wrote ${written.size} requests (${Math.round(bytes / 1024)} KB) under ${FIXTURES}`);
