import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const MODULE = pathToFileURL(resolve(import.meta.dirname, '../../dist/cli/young-generation.js')).href;
const MB = 1024 * 1024;

/** New-space size (bytes) in a fresh node after churning objects that survive a collection or two. */
function newSpaceAfterChurn(capBytes: number | undefined): number {
  const script = `
    const { capYoungGeneration, newSpaceBytes } = await import(${JSON.stringify(MODULE)});
    const cap = ${JSON.stringify(capBytes ?? null)};
    if (cap !== null) capYoungGeneration(cap);
    let keep = [];
    for (let i = 0; i < 3e6; i++) {
      keep.push({ i });
      if (keep.length > 2e5) keep = [];
      if (i % 1e4 === 0) await new Promise((r) => setImmediate(r));
    }
    process.stdout.write(String(newSpaceBytes()));
  `;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('the cap the CLI puts on V8’s young generation when sending', () => {
  it('holds the young generation at the cap, where the same work would grow it well past it', () => {
    // Yields every 10,000 objects (~300 KB), as the CLI does every few hundred rows: the check runs once
    // the event loop turns. The control run shows the churn does make V8 grow the space, so the capped run could fail.
    expect(newSpaceAfterChurn(undefined)).toBeGreaterThanOrEqual(16 * MB);
    expect(newSpaceAfterChurn(4 * MB)).toBeLessThanOrEqual(4 * MB);
  });
});
