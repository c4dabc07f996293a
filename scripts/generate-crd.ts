// Regenerate manifests/crd.yaml from the zod schema (npm run crd); test/crd.test.ts fails on drift.
import { writeFileSync } from 'node:fs';
import { CRD_PATH, crdYaml } from '../test/support/crd-file.js';

writeFileSync(CRD_PATH, crdYaml());
console.log(`wrote ${CRD_PATH}`);
