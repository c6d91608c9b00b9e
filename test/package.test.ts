import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** What `import * as m from SPECIFIER` exports, as a package user sees it (run from the package itself). */
function exportsOf(specifier: string): string[] {
  const script = `import(${JSON.stringify(specifier)}).then((m) => process.stdout.write(JSON.stringify(Object.keys(m).sort())))`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as string[];
}

describe('the package, imported by its name', () => {
  it("exports the pipeline, the error classes and the code table from 'cake-bulk', and nothing internal", () => {
    expect(exportsOf('cake-bulk')).toEqual([
      'CODES',
      'CakeBulkError',
      'FileError',
      'OutputError',
      'UsageError',
      'applyBulk',
      'describeCode',
      'describeError',
      'planBulk',
      'runBulk',
    ]);
  });

  it("exports the simulator from 'cake-bulk/sandbox'", () => {
    expect(exportsOf('cake-bulk/sandbox')).toEqual([
      'loadCatalogCsv',
      'seededOffer',
      'seededRandom',
      'startSandbox',
    ]);
  });

  it.each(['cake-bulk/dist/run/run-bulk.js', 'cake-bulk/dist/redact.js', 'cake-bulk/src/index.ts'])(
    'does not let %s be imported: internals are not API',
    (specifier) => {
      expect(() => exportsOf(specifier)).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/);
    },
  );
});
