import { accessSync, constants, statSync } from 'node:fs';
import { FileError } from '../errors.js';

/**
 * Refuses an input that is not a regular file before anything opens it: a directory, and a pipe or
 * device, which would block or be read only once (the run reads its input twice).
 */
export function checkInputFile(path: string): void {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new FileError('E_FILE_READ', path, undefined, `cannot read the input: ${why}`);
  }
  if (stats.isDirectory())
    throw new FileError('E_FILE_READ', path, undefined, 'cannot read the input: is a directory');
  if (!stats.isFile()) {
    throw new FileError(
      'E_FILE_READ',
      path,
      undefined,
      'cannot read the input: it is not a regular file (a pipe, socket or device); save the sheet as a file and give its path',
    );
  }
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new FileError('E_FILE_READ', path, undefined, 'cannot read the input: permission denied');
  }
}
