// Configuration from the environment, parsed once at start; a bad value stops the process with
// a message naming the variable.
import { z } from 'zod';

const Milliseconds = z.coerce.number().int().min(0);

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  /** Prometheus metrics listener (GET /metrics); 0 picks a free port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9090),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Metacontroller sends every observed child in full; its requests can be large. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'a size such as 32mb')
    .default('32mb'),
  /** Time to keep serving after SIGTERM while endpoints are withdrawn, before closing the listener. */
  SHUTDOWN_DELAY_MS: Milliseconds.default(0),
  /** Upper bound for draining in-flight requests after the listener closes. */
  SHUTDOWN_GRACE_MS: Milliseconds.default(20_000),
  /** When set, hook endpoints require `Authorization: Bearer <contents of this file>`. */
  AUTH_TOKEN_FILE: z.string().min(1).optional(),
  /** When both are set, serve HTTPS with this certificate and key (PEM files). */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
});

export type Config = z.infer<typeof Env>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const config = parsed.data;
  if ((config.TLS_CERT_FILE === undefined) !== (config.TLS_KEY_FILE === undefined)) {
    throw new Error('invalid configuration: TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  return config;
}
