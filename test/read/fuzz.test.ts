import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CakeBulkError, FileError } from '../../src/errors.js';
import { runBulk } from '../../src/run/run-bulk.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { API_KEY, FIXTURES, runCli, tempDir } from '../support/helpers.js';

/**
 * Random bytes and random damage to valid files: the reader may refuse (a FileError, exit 2) or read
 * what is left, but it never crashes, never hangs, and never lets a request out of a file it refuses.
 * Most iterations run the library in-process; a handful run the CLI to check exit codes and stderr.
 */
const CORPUS = join(FIXTURES, 'corpus');
// Fixed so every run checks the same inputs; set FUZZ_SEED to explore others (a failure prints its seed).
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261231);
const SEEDS = {
  csv: [
    'excel-utf8-bom-crlf.csv',
    'libreoffice-quoted-lf.csv',
    'blank-lines-and-padding.csv',
    'excel-semicolon-sep.csv',
  ],
  utf16: ['excel-unicode-text-utf16le.txt', 'utf16be-bom.csv'],
  xlsx: ['excel-order.xlsx', 'libreoffice-order.xlsx', 'inline-strings-1904.xlsx'],
};
const seed = (name: string) => readFileSync(join(CORPUS, name));
// Bytes that matter to a CSV reader, weighted in alongside any byte.
const SPECIAL = [0x22, 0x2c, 0x3b, 0x09, 0x0a, 0x0d, 0x00, 0xef, 0xbb, 0xbf, 0xff, 0xfe, 0xe9, 0x50, 0x4b];

type Mutation =
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; length: number }
  | { op: 'repeat'; at: number; length: number; times: number }
  | { op: 'truncate'; at: number };

const byteArb = fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 }));
// A position as a fraction of the file, spread evenly: fast-check's doubles crowd near 0 (the zip magic).
const atArb = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000);
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: atArb, byte: byteArb }),
  fc.record({
    op: fc.constant('insert' as const),
    at: atArb,
    bytes: fc.array(byteArb, { minLength: 1, maxLength: 8 }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: atArb, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    op: fc.constant('repeat' as const),
    at: atArb,
    length: fc.integer({ min: 1, max: 64 }),
    times: fc.integer({ min: 2, max: 50 }),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: atArb }),
);

const overwriteArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constant('set' as const),
  at: atArb,
  byte: byteArb,
});

/** Applies the mutations; with `unit` 2, whole UTF-16 code units are changed, so the damage is not always fatal. */
function mutate(original: Buffer, mutations: Mutation[], unit = 1): Buffer {
  let bytes = Buffer.from(original);
  for (const m of mutations) {
    const at = Math.min(bytes.length, Math.floor((m.at * bytes.length) / unit) * unit);
    const before = bytes.subarray(0, at);
    const after = bytes.subarray(at);
    if (m.op === 'set' && at < bytes.length) bytes[at] = m.byte;
    else if (m.op === 'insert') {
      const inserted = m.bytes.length % unit === 0 ? m.bytes : [...m.bytes, 0];
      bytes = Buffer.concat([before, Buffer.from(inserted), after]);
    } else if (m.op === 'delete') bytes = Buffer.concat([before, after.subarray(m.length * unit)]);
    else if (m.op === 'repeat') {
      const piece = after.subarray(0, m.length * unit);
      bytes = Buffer.concat([
        before,
        ...Array.from({ length: m.times }, () => piece),
        after.subarray(m.length),
      ]);
    } else if (m.op === 'truncate') bytes = before;
  }
  return bytes;
}

let sandbox: Sandbox;
let dir: string;
let n = 0;
beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: API_KEY });
  dir = await tempDir();
});
afterAll(() => sandbox.close());

/** Applies `bytes` in-process against the sandbox; checks the outcome and that a refusal sent nothing. */
async function applyChecked(bytes: Buffer, ext: string): Promise<'refused' | 'read'> {
  const input = join(dir, `input-${n++}.${ext}`);
  await writeFile(input, bytes);
  const before = sandbox.stats.requests;
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within 10 s for ${input}`)), 10_000);
  });
  const run = runBulk({
    input,
    baseUrl: sandbox.url,
    apiKey: API_KEY,
    out: join(dir, `input-${n}.results.csv`),
    log: false,
    readCurrent: false,
    maxAttempts: 1,
    timeoutMs: 5_000,
    skipInvalid: true,
  });
  try {
    const result = await Promise.race([run, hang]);
    expect([0, 1, 2]).toContain(result.exitCode);
    return 'read';
  } catch (error) {
    // Only run-level errors may escape; for input problems that means a FileError, and nothing sent.
    if (!(error instanceof CakeBulkError)) throw error;
    expect(error).toBeInstanceOf(FileError);
    expect(error.message).not.toMatch(/\n/);
    expect(sandbox.stats.requests).toBe(before);
    return 'refused';
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzzing the input side in-process', () => {
  it('random bytes never crash, hang or send', async () => {
    const outcomes = { refused: 0, read: 0 };
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), async (bytes) => {
        outcomes[await applyChecked(Buffer.from(bytes), 'csv')]++;
      }),
      { numRuns: 120, seed: FUZZ_SEED },
    );
    expect(outcomes.refused).toBeGreaterThan(100);
  });

  it.each([
    ['CSV', SEEDS.csv, 'csv', 200, 1, mutationArb],
    ['UTF-16 text', SEEDS.utf16, 'txt', 80, 2, mutationArb],
    // Inserting or deleting bytes shifts every zip offset after it; overwrites leave some workbooks readable.
    ['.xlsx', SEEDS.xlsx, 'xlsx', 60, 1, overwriteArb],
  ] as const)(
    'damaged %s files never crash, hang, or send when refused',
    async (_, names, ext, runs, unit, arb) => {
      const outcomes = { refused: 0, read: 0 };
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...names),
          fc.array(arb, { minLength: 1, maxLength: 6 }),
          async (name, mutations) => {
            outcomes[await applyChecked(mutate(seed(name), mutations, unit), ext)]++;
          },
        ),
        { numRuns: runs, seed: FUZZ_SEED },
      );
      // Both kinds of outcome are reached, so the damage is neither always fatal nor always harmless.
      expect(outcomes.refused).toBeGreaterThan(0);
      expect(outcomes.read).toBeGreaterThan(0);
    },
  );
});

describe('fuzzing the CLI', () => {
  it('exits 0, 1 or 2 with no stack trace, and sends nothing when it exits 2 on a file error', async () => {
    const samples = fc.sample(
      fc.tuple(
        fc.constantFrom(...SEEDS.csv, ...SEEDS.xlsx),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
      ),
      { numRuns: 4, seed: FUZZ_SEED },
    );
    const inputs = samples.map(([name, mutations]) => ({ name, bytes: mutate(seed(name), mutations) }));
    inputs.push({
      name: 'random.csv',
      bytes: Buffer.from(
        fc.sample(fc.uint8Array({ minLength: 500, maxLength: 500 }), { numRuns: 1, seed: FUZZ_SEED })[0]!,
      ),
    });
    for (const { name, bytes } of inputs) {
      const input = join(dir, `cli-${n++}-${name}`);
      await writeFile(input, bytes);
      const before = sandbox.stats.requests;
      const run = await runCli(['apply', input, '--skip-invalid', '--max-attempts', '1'], {
        env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: sandbox.url },
      });
      expect([0, 1, 2]).toContain(run.code);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr).not.toMatch(/unexpected error/);
      if (run.code === 2) {
        expect(run.stderr).toMatch(
          new RegExp(`^cake-bulk: ${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+)?: [^\\n]+\\n$`),
        );
        expect(sandbox.stats.requests).toBe(before);
      }
    }
  });
});
