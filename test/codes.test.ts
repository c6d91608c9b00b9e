import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES, describeCode } from '../src/codes.js';
import { codesDoc, withReadmeCodes } from '../scripts/codes.js';

const SRC = resolve(import.meta.dirname, '../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the error-code table', () => {
  it('holds every code the source uses, once', () => {
    const used = new Set<string>();
    for (const file of sources(SRC)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/['"`](E_[A-Z0-9_]+)['"`]/g))
        used.add(match[1]!);
    }
    const missing = [...used].filter((code) => describeCode(code) === undefined);
    expect(missing).toEqual([]);
  });

  it('gives every code a kind and a one-line meaning', () => {
    for (const [code, entry] of Object.entries(CODES)) {
      expect(entry.meaning, code).toMatch(/^[^\n]{10,200}$/);
      expect(['invalid', 'transient', 'permanent', 'stopped', 'run'], code).toContain(entry.kind);
    }
  });

  it('reads the E_HTTP_<status> family by status: 408, 425, 429 and 5xx are worth a rerun', () => {
    expect(describeCode('E_HTTP_503')?.kind).toBe('transient');
    expect(describeCode('E_HTTP_429')?.kind).toBe('transient');
    expect(describeCode('E_HTTP_404')?.kind).toBe('permanent');
    expect(describeCode('E_NOPE')).toBeUndefined();
  });
});

describe('the docs generated from the table', () => {
  const root = resolve(import.meta.dirname, '..');
  it('README lists every code by kind, exactly as `npm run codes` writes it', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toBe(withReadmeCodes(readme));
    expect(readme).toContain('`E_ECHO_MISMATCH`');
  });

  it('docs/codes.md is the table as `npm run codes` writes it', () => {
    expect(readFileSync(join(root, 'docs', 'codes.md'), 'utf8')).toBe(codesDoc());
  });
});
