import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** The key from --api-key-file or CAKE_API_KEY, trimmed alike; there is no flag for the key itself. */
export function readApiKey(file: string | undefined): string | undefined {
  if (file === undefined) return process.env.CAKE_API_KEY?.trim();
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(
      `cannot read --api-key-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}
