// Regenerate the manifests built from compositions/ (npm run manifests); drift tests fail until you do.
import { writeFileSync } from 'node:fs';
import { generatedManifests } from './manifests.js';

for (const { path, text } of generatedManifests()) {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
