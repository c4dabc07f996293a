import request from 'supertest';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { HOOK_ROUTES, systemClock } from '../hooks/app.js';
import { testApp } from './support/app.js';
import { aParent, observedObject, syncRequest } from './support/builders.js';

const mysqlParent = () => aParent({ mysql: { enabled: true } });
const withMetadata = (parent: ReturnType<typeof mysqlParent>, metadata: Record<string, string>) => ({
  ...parent,
  metadata: { ...parent.metadata, ...metadata },
});

describe('hook server edge', () => {
  test('GET /healthz → 200; /readyz → 200, then 503 while draining', async () => {
    const { app, lifecycle } = testApp();
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200);
    lifecycle.draining = true;
    const draining = await request(app).get('/readyz');
    expect(draining.status).toBe(503);
    expect(draining.headers.connection).toBe('close');
  });

  test('malformed JSON → 400 with a one-line JSON error that does not echo the body', async () => {
    const { app } = testApp();
    const response = await request(app)
      .post('/sync')
      .set('Content-Type', 'application/json')
      .send('{"parent": {"secret-ish": "hunter2", ');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('MalformedJSON');
    expect(response.body.message).not.toContain('hunter2');
    expect(response.text).not.toContain('\n');
  });

  test('a JSON body that is not a Metacontroller request → 422 naming the missing field', async () => {
    const { app } = testApp();
    const response = await request(app).post('/sync').send({ hello: 'world' });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'NotAMetacontrollerRequest' });
    expect(response.body.message).toContain('body.parent');
  });

  test.each([
    [
      'a parent without metadata.uid',
      {
        ...syncRequest(mysqlParent()),
        parent: { ...mysqlParent(), metadata: { name: 'w', namespace: 'n' } },
      },
    ],
    [
      'children that are not objects',
      { ...syncRequest(mysqlParent()), children: { 'Kafka.kafka.strimzi.io/v1': { 'n/x': 42 } } },
    ],
    ['a non-boolean finalizing', { ...syncRequest(mysqlParent()), finalizing: 'yes' }],
    // Longer than the API server stores; checked before any name is derived from them.
    [
      'a parent name of 254 characters',
      { ...syncRequest(mysqlParent()), parent: withMetadata(mysqlParent(), { name: 'a'.repeat(254) }) },
    ],
    [
      'a parent namespace of 64 characters',
      { ...syncRequest(mysqlParent()), parent: withMetadata(mysqlParent(), { namespace: 'a'.repeat(64) }) },
    ],
    [
      'an observed child named with 254 characters',
      {
        ...syncRequest(mysqlParent()),
        children: {
          'Kafka.kafka.strimzi.io/v1': {
            'n/x': { apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka', metadata: { name: 'k'.repeat(254) } },
          },
        },
      },
    ],
  ])('%s → 422', async (_name, body) => {
    const { app } = testApp();
    const response = await request(app).post('/sync').send(body);
    expect(response.status).toBe(422);
  });

  test('a body over BODY_LIMIT → 413', async () => {
    const { app } = testApp({ bodyLimit: '1kb' });
    const response = await request(app)
      .post('/sync')
      .send({ ...syncRequest(mysqlParent()), padding: 'x'.repeat(5_000) });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PayloadTooLarge');
  });

  test('an unknown route → 404 JSON', async () => {
    const { app } = testApp();
    const response = await request(app).post('/nope').send({});
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('NotFound');
  });

  test('with a bearer token: missing or wrong → 401, right → 200; probes stay open', async () => {
    const { app } = testApp({ authToken: 's3cr3t-token' });
    const body = syncRequest(mysqlParent());
    await request(app).post('/sync').send(body).expect(401);
    await request(app).post('/sync').set('Authorization', 'Bearer wrong').send(body).expect(401);
    await request(app).post('/sync').set('Authorization', 'Bearer s3cr3t-token').send(body).expect(200);
    await request(app).get('/healthz').expect(200);
  });

  test.each(HOOK_ROUTES)('POST %s with a valid request → 200 JSON', async (route) => {
    const { app } = testApp();
    const body =
      route.endsWith('/sync') && route.startsWith('/secrets')
        ? { controller: {}, object: mysqlParent(), attachments: {}, related: {} }
        : route.endsWith('customize')
          ? { controller: {}, parent: mysqlParent() }
          : syncRequest(mysqlParent(), { finalizing: route === '/finalize' });
    const response = await request(app).post(route).send(body);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/application\/json/);
  });

  test('an internal error → 500 with a generic message, logged', async () => {
    const { app, logs } = testApp({
      clock: () => {
        throw new Error('clock broke');
      },
    });
    const response = await request(app).post('/sync').send(syncRequest(mysqlParent()));
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ code: 'Internal', message: 'internal error; see the hook server logs' });
    expect(logs.join('')).toContain('clock broke');
  });

  test('one info log line per hook call names the parent, generation, counts and readiness', async () => {
    const { app, logs } = testApp();
    const child = observedObject({
      apiVersion: 'pxc.percona.com/v1',
      kind: 'PerconaXtraDBCluster',
      metadata: { name: 'wandb-mysql-cluster' },
    });
    await request(app)
      .post('/sync')
      .send(syncRequest(mysqlParent(), { children: [child] }))
      .expect(200);
    const line = JSON.parse(logs.find((l) => l.includes('sync answered')) ?? '{}');
    expect(line).toMatchObject({
      hook: 'sync',
      parent: 'wandb/wandb',
      generation: 1,
      observed: 1,
      children: 1,
      ready: false,
      outcome: 'ok',
    });
    expect(typeof line.durationMs).toBe('number');
  });

  test('metrics count calls by hook and outcome on the metrics listener', async () => {
    const { app, metricsApp } = testApp();
    await request(app).post('/sync').send(syncRequest(mysqlParent())).expect(200);
    await request(app).post('/sync').send({}).expect(422);
    await request(app)
      .post('/sync')
      .send(syncRequest(aParent({ size: 'huge' })))
      .expect(200);
    const text = (await request(metricsApp).get('/metrics').expect(200)).text;
    expect(text).toContain('wandb_hooks_requests_total{hook="sync",outcome="ok"} 1');
    expect(text).toContain('wandb_hooks_requests_total{hook="sync",outcome="client_error"} 1');
    expect(text).toContain('wandb_hooks_requests_total{hook="sync",outcome="invalid_spec"} 1');
    expect(text).toContain('wandb_hooks_request_duration_seconds_bucket');
    expect(text).toContain('wandb_hooks_request_size_bytes_bucket');
  });
});

describe('the system clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('reads RFC 3339 UTC at second precision, and moves with the second', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-06T01:02:03.456Z'));
    expect(systemClock()).toBe('2026-12-06T01:02:03Z');
    vi.setSystemTime(new Date('2026-12-06T01:02:03.999Z'));
    expect(systemClock()).toBe('2026-12-06T01:02:03Z');
    vi.setSystemTime(new Date('2026-12-06T01:02:04.001Z'));
    expect(systemClock()).toBe('2026-12-06T01:02:04Z');
    vi.setSystemTime(new Date('2025-01-01T00:00:00.000Z'));
    expect(systemClock()).toBe('2025-01-01T00:00:00Z');
  });
});
