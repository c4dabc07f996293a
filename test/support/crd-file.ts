// Where the generated CRD lives, and its exact text; shared by the generator and the drift test.
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { weightsAndBiasesCrd } from '../../compositions/crd.js';

export const CRD_PATH = fileURLToPath(new URL('../../manifests/crd.yaml', import.meta.url));

export const crdYaml = (): string =>
  `# Generated from compositions/parent.ts by \`npm run crd\`; do not edit.\n${stringify(weightsAndBiasesCrd(), { lineWidth: 0 })}`;
