// The CRD validator is the simulator's (sim/crd-validator.ts); tests import it from here.
export * from '../../sim/crd-validator.js';
