#!/usr/bin/env node
// wandb-hooks: `serve` runs the hook server (the default).
import { serve } from './server.js';

const USAGE = `usage: wandb-hooks <command>

commands:
  serve      run the Metacontroller hook server (default); configured by environment variables
             PORT (8080), METRICS_PORT (9090), HOST, LOG_LEVEL, BODY_LIMIT, SHUTDOWN_DELAY_MS, SHUTDOWN_GRACE_MS,
             AUTH_TOKEN_FILE, TLS_CERT_FILE, TLS_KEY_FILE (see README.md)
  help       show this text
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve'] = argv;
  switch (command) {
    case 'serve':
      await serve();
      return -1; // keeps running
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`wandb-hooks: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`wandb-hooks: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
