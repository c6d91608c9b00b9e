import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODES, type CodeKind } from '../src/codes.js';

/** What a person does about each kind of code, as the README groups them. */
const KINDS: Array<[CodeKind, string]> = [
  ['invalid', 'fix the cells (in the results file too) and rerun'],
  ['transient', 'worth sending again as it is: `rerun`'],
  ['permanent', 'CAKE refused it: fix the row or the offer first'],
  ['stopped', 'the run stopped before or while sending the row: `--resume` or `rerun`'],
  ['run', 'the run stopped on this row: fix the key or the URL, then `--resume`'],
];

/** Run-level codes that also end a row (the row that met them); the others are one-line errors only. */
const ROW_RUN_CODES = new Set(['E_AUTH', 'E_TLS']);

/** The README's grouped list of codes, generated from the table so the two cannot drift. */
export function readmeCodes(): string {
  const lines = ['| what to do | `error_code` in the results |', '|---|---|'];
  for (const [kind, what] of KINDS) {
    const codes = Object.entries(CODES)
      .filter(([code, entry]) => entry.kind === kind && (kind !== 'run' || ROW_RUN_CODES.has(code)))
      .map(([code]) => `\`${code === 'E_HTTP' ? 'E_HTTP_<status>' : code}\``);
    lines.push(`| ${what} | ${codes.join(', ')} |`);
  }
  return lines.join('\n');
}

/** docs/codes.md: every code with its kind and meaning. */
export function codesDoc(): string {
  const rows = Object.entries(CODES).map(
    ([code, entry]) =>
      `| \`${code === 'E_HTTP' ? 'E_HTTP_<status>' : code}\` | ${entry.kind} | ${entry.meaning.replace(/^E_HTTP_<status>: /, '')} |`,
  );
  return [
    '# Error codes',
    '',
    'Generated from `src/codes.ts` by `npm run codes`; a test fails when this file and the table differ.',
    "Row codes appear in the results file's `error_code` column; run codes come with a one-line message and exit 2.",
    '',
    '| code | kind | meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Rewrites the README's code list and docs/codes.md from the table: `npm run codes`. */
export function writeCodeDocs(root: string): void {
  const readmePath = join(root, 'README.md');
  writeFileSync(readmePath, withReadmeCodes(readFileSync(readmePath, 'utf8')));
  writeFileSync(join(root, 'docs', 'codes.md'), codesDoc());
}

/** The README text with its code list (between the markers) generated anew. */
export function withReadmeCodes(readme: string): string {
  return readme.replace(
    /<!-- codes:start -->[\s\S]*<!-- codes:end -->/,
    `<!-- codes:start -->\n${readmeCodes()}\n<!-- codes:end -->`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeCodeDocs(resolve(import.meta.dirname, '..'));
}
