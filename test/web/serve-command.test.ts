import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from '../support/helpers.js';

describe('cake-bulk serve, as a person starts it', () => {
  it.each([
    ['no base URL', ['serve', '--port', '0'], { CAKE_API_KEY: 'serve-key-123456' }, /no CAKE base URL/],
    ['no key', ['serve', '--port', '0', '--base-url', 'https://admin.example.com'], {}, /no API key/],
    [
      'a key too short',
      ['serve', '--port', '0', '--base-url', 'https://admin.example.com'],
      { CAKE_API_KEY: 'abc' },
      /the API key is 3 characters long/,
    ],
    [
      'plain http to another host',
      ['serve', '--port', '0', '--base-url', 'http://admin.example.com'],
      { CAKE_API_KEY: 'serve-key-123456' },
      /refusing http:\/\/ to admin\.example\.com/,
    ],
    [
      '--sandbox with --base-url',
      ['serve', '--sandbox', '--base-url', 'https://admin.example.com'],
      {},
      /leave out --base-url, or leave out --sandbox/,
    ],
    [
      '--max-upload 0',
      ['serve', '--sandbox', '--max-upload', '0'],
      {},
      /--max-upload takes a number of MB above 0/,
    ],
  ])('refuses %s with exit 2 and one line, before listening', async (_name, args, env, message) => {
    const dir = await tempDir();
    const run = await runCli([...args, '--dir', join(dir, 'ws')], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(await readdir(dir)).toEqual([]);
  });

  it('with --sandbox prints the address with its token, serves it, and stops on SIGTERM', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, [CLI, 'serve', '--sandbox', '--port', '0', '--dir', dir], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = /^cake-bulk serve: open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32})$/m.exec(
          out,
        )?.[1];
        if (found) resolve(found);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const answer = await fetch(url, { redirect: 'manual' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('set-cookie')).toMatch(
      /^cake_bulk_\d+=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    expect(err).toMatch(/sending to the bundled sandbox at http:\/\/127\.0\.0\.1:\d+/);
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out + err).not.toContain('sandbox-key');
  });
});
