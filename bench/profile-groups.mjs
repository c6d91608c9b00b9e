// Groups a `node --cpu-prof` profile's self time by the stage that spent it, as shares of the busy time
// (idle left out), for the README's "Where the time goes" table:
//   node --cpu-prof --cpu-prof-dir=prof dist/cli/main.js apply big.csv --dry-run
//   node bench/profile-groups.mjs prof/*.cpuprofile
// A frame is put in the first group whose test it passes, so the order of GROUPS matters.
import { readFileSync } from 'node:fs';

const stage = (name) => (frame) => frame.url.includes(`/dist/${name}/`);
const file = (name) => (frame) => frame.url.endsWith(`/dist/${name}`);
const pkg = (name) => (frame) => frame.url.includes(`/node_modules/${name}/`);
const fn =
  (...names) =>
  (frame) =>
    frame.url === '' && names.includes(frame.functionName);
const any =
  (...tests) =>
  (frame) =>
    tests.some((test) => test(frame));

// The stages are folders of dist/ (see docs/design.md); a frame goes to the first group whose test it passes.
const GROUPS = [
  ['garbage collection', fn('(garbage collector)')],
  [
    'HTTP: undici, llhttp (WASM), the socket writes',
    any(
      pkg('undici'),
      (f) => f.url.startsWith('wasm'),
      fn('writev', 'latin1Slice'),
      (f) => /node:(net|internal\/stream_base_commons|internal\/net)/.test(f.url),
    ),
  ],
  ['cake/: request bodies, JSON.parse of answers, classification, echo check', stage('cake')],
  ['validate/: the row checks, columns, duplicate ids', stage('validate')],
  [
    'send/ and run/: pool, retry, throttle, the run loop, promises',
    any(
      stage('send'),
      stage('run'),
      fn('runMicrotasks', 'now'),
      (f) => f.url === 'node:internal/process/task_queues',
    ),
  ],
  ['record/log.js: log lines', any(file('record/log.js'), pkg('pino'))],
  ['record/journal.js: journal lines', file('record/journal.js')],
  [
    'record/: results CSV lines',
    any(
      file('record/results-writer.js'),
      file('record/results-format.js'),
      file('record/csv-safe.js'),
      file('record/csv-line.js'),
    ),
  ],
  [
    'file writes: encoding into the buffer, write, fdatasync',
    any(stage('record'), fn('utf8Write', 'writeBuffer', 'writeString', 'fdatasync', 'fsync'), (f) =>
      /^node:(buffer|fs|internal\/fs|internal\/buffer)/.test(f.url),
    ),
  ],
  [
    'read/: CSV tokenizer and decoding, both passes',
    any(stage('read'), fn('read'), (f) => f.url === 'node:internal/crypto/hash'),
  ],
  [
    'start-up: loading and compiling modules',
    (f) => /node:internal\/(modules|bootstrap)|^node:internal\/vm/.test(f.url) || pkg('commander')(f),
  ],
];
const OTHER = 'other: native string and buffer work, regular expressions, the rest';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const selfMicros = new Map();
profile.samples.forEach((id, i) =>
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
);
const totals = new Map([...GROUPS.map(([name]) => [name, 0]), [OTHER, 0]]);
let idle = 0;
let busy = 0;
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  if (node.callFrame.functionName === '(idle)') {
    idle += micros;
    continue;
  }
  busy += micros;
  const group = GROUPS.find(([, test]) => test(node.callFrame))?.[0] ?? OTHER;
  totals.set(group, totals.get(group) + micros);
}
console.log(`busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
for (const [name, micros] of [...totals].sort((a, b) => b[1] - a[1])) {
  console.log(`| ${name} | ${((100 * micros) / busy).toFixed(1)}% |`);
}
