// The floor: a bare Express endpoint that parses the JSON body and returns it. It has the hook
// server's Express settings (no ETag, no X-Powered-By) so that the comparison counts only our work.
// Run: PORT=0 npx tsx bench/floor.ts (prints `listening <port>`).
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', process.env.FLOOR_ETAG === '1');
app.post('/sync', express.json({ limit: '32mb' }), (request, response) => {
  response.json(request.body);
});
app.get('/readyz', (_request, response) => {
  response.json({ status: 'ready' });
});

const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
// Same keep-alive settings as the hook server, so connection reuse is identical.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
process.once('SIGTERM', () => server.close(() => process.exit(0)));
