// The hook server's entry point (`npm start`, the container): the HTTP edge alone, without the CLI
// or the simulator, which the production image does not carry.
import { serve } from './server.js';

serve().catch((error: unknown) => {
  process.stderr.write(`wandb-infra-hooks: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
