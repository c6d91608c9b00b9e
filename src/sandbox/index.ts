/** `cake-bulk/sandbox`: the bundled CAKE simulator, for tests, rehearsals and benchmarks. */
export { startSandbox, type Sandbox, type SandboxOptions, type SandboxStats } from './server.js';
export { seededRandom, type FaultRates } from './faults.js';
