// The manifests generated from the component registry: the CRD (schema, printer columns, transition
// rules) and the CompositeController's childResources. `npm run manifests` writes them; the drift
// tests in test/crd.test.ts and test/manifests.test.ts fail when a committed file differs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDocument, stringify } from 'yaml';
import { COMPONENTS } from '../compositions/components/index.js';
import { weightsAndBiasesCrd } from '../compositions/crd.js';

export const CRD_PATH = fileURLToPath(new URL('../manifests/crd.yaml', import.meta.url));
export const CONTROLLER_PATH = fileURLToPath(
  new URL('../manifests/composite-controller.yaml', import.meta.url),
);

export const crdYaml = (components = COMPONENTS): string =>
  `# Generated from compositions/ by \`npm run manifests\`; do not edit.\n${stringify(weightsAndBiasesCrd(components), { lineWidth: 0 })}`;

/** Every kind a component owns, in registry order, each updated in place. */
export const childResources = (components = COMPONENTS) =>
  components.flatMap((component) =>
    component.kinds.map(({ ref }) => ({
      apiVersion: ref.apiVersion,
      resource: ref.resource,
      updateStrategy: { method: 'InPlace' },
    })),
  );

/** The committed controller with its childResources regenerated; the rest (and its comments) is kept as written. */
export function compositeControllerYaml(committed: string, components = COMPONENTS): string {
  const document = parseDocument(committed);
  document.setIn(['spec', 'childResources'], document.createNode(childResources(components)));
  return document.toString({ lineWidth: 0 });
}

/** Each generated file with the text it must hold. */
export const generatedManifests = (): Array<{ path: string; text: string }> => [
  { path: CRD_PATH, text: crdYaml() },
  { path: CONTROLLER_PATH, text: compositeControllerYaml(readFileSync(CONTROLLER_PATH, 'utf8')) },
];
