/** `cake-bulk/sandbox`: the bundled CAKE simulator, for tests, rehearsals and benchmarks. */
export { startSandbox, type Sandbox, type SandboxOptions, type SandboxStats } from './server.js';
export { seededRandom, type FaultRates } from './faults.js';
export { loadCatalogCsv } from './load-catalog-csv.js';
export { seededOffer, type Offer, type CatalogEntry } from './catalog.js';
