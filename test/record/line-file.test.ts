import { existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLineFile } from '../../src/record/line-file.js';
import { tempDir } from '../support/helpers.js';

async function open(): Promise<{ path: string; fd: number }> {
  const path = join(await tempDir(), 'lines.txt');
  return { path, fd: openSync(path, 'w') };
}

describe('a line file', () => {
  it('writes every line, in order and byte for byte, whatever their sizes and characters', async () => {
    const line = fc
      .string({ unit: fc.constantFrom('a', ',', 'é', '€', '漢', '😀', '"'), maxLength: 60 })
      .map((s) => `${s}\n`);
    const sizes = fc.oneof(fc.constant(1), fc.constant(2), fc.constant(64), fc.constant(100));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(line, fc.constant(`${'x'.repeat(300)}\n`))),
        sizes,
        async (lines, bufferBytes) => {
          const { path, fd } = await open();
          const file = createLineFile(fd, { path, maxDelayMs: 1000, bufferBytes });
          for (const text of lines) file.write(text);
          file.close();
          expect(readFileSync(path, 'utf8')).toBe(lines.join(''));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('holds lines until the buffer fills, then writes them at once', async () => {
    const { path, fd } = await open();
    let writes = 0;
    const file = createLineFile(fd, {
      path,
      maxDelayMs: 60_000,
      bufferBytes: 40,
      afterWrite: () => writes++,
    });
    file.write('0123456789\n');
    expect(readFileSync(path, 'utf8')).toBe('');
    // 11 bytes held; the next 11 characters could take 33 bytes, past 40, so the first line goes out first.
    file.write('abcdefghij\n');
    expect(readFileSync(path, 'utf8')).toBe('0123456789\n');
    expect(writes).toBe(1);
    file.close();
    expect(readFileSync(path, 'utf8')).toBe('0123456789\nabcdefghij\n');
    expect(writes).toBe(2);
  });

  it('writes a held line within maxDelayMs without being asked', async () => {
    const { path, fd } = await open();
    const file = createLineFile(fd, { path, maxDelayMs: 20 });
    file.write('late\n');
    await delay(200);
    expect(readFileSync(path, 'utf8')).toBe('late\n');
    file.close();
  });

  it('drops what is written after close', async () => {
    const { path, fd } = await open();
    const file = createLineFile(fd, { path, maxDelayMs: 20 });
    file.write('kept\n');
    file.close();
    file.write('dropped\n');
    file.close();
    expect(readFileSync(path, 'utf8')).toBe('kept\n');
  });

  // Linux's /dev/full answers every write with ENOSPC.
  it.skipIf(!existsSync('/dev/full'))(
    'throws a write that failed on the timer from the next call, in words, and still closes',
    async () => {
      const file = createLineFile(openSync('/dev/full', 'w'), { path: '/dev/full', maxDelayMs: 10 });
      file.write('held\n');
      await delay(100);
      const full = /^cannot write \/dev\/full: no space left on the device$/;
      expect(() => file.write('next\n')).toThrow(full);
      expect(() => file.close()).toThrow(full);
      expect(() => file.close()).not.toThrow();
    },
  );
});
