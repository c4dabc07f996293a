#!/usr/bin/env node
// wandb-hooks, the command line (package.json bin): `serve` runs the hook server (the default; the
// container starts hooks/main.ts directly); `render` and `simulate` run the hooks
// offline (docs/cli.md).

const USAGE = `usage: wandb-hooks <command> [options]

commands:
  serve      run the Metacontroller hook server (default); configured by environment variables
             PORT (8080), METRICS_PORT (9090), HOST, LOG_LEVEL, BODY_LIMIT, SHUTDOWN_DELAY_MS, SHUTDOWN_GRACE_MS,
             AUTH_TOKEN_FILE, TLS_CERT_FILE, TLS_KEY_FILE (see README.md)
  render     print the hooks' answer for a parent: children, Secret attachments, status, deletion plan
             (wandb-hooks render -f parent.yaml [--observed objects.yaml] [--finalizing] [-o yaml|json])
  simulate   run a parent through an emulated Metacontroller and operators until it is stable
             (wandb-hooks simulate -f parent.yaml [--rounds N] [--delete])
  help       show this text; "wandb-hooks <command> --help" for a command's options
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve': {
      // Loaded only here: the server's dependencies (Express, pino) are not needed offline.
      const { serve } = await import('../hooks/server.js');
      await serve();
      return -1; // keeps running
    }
    case 'render':
      return (await import('./render.js')).runRender(rest);
    case 'simulate':
      return (await import('./simulate.js')).runSimulate(rest);
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
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`wandb-hooks: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
