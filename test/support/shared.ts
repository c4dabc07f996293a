// Where the repository and ../shared are: the simulator's (sim/shared.ts); tests import it from here.
export * from '../../sim/shared.js';
