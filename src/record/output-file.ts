import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { OutputError } from '../errors.js';

/**
 * Opens an output file (results, journal, log), creating the folders its path names first. Failures come
 * back worded (`cannotWrite`), except EEXIST from an exclusive open ('wx'), rethrown as it is: only the
 * caller knows what the file already there means.
 */
export function openOutputFile(path: string, flags: 'a' | 'w' | 'wx'): number {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw cannotWrite(path, error);
  }
  try {
    return openSync(path, flags);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
    throw cannotWrite(path, error);
  }
}

/**
 * The refusal for an output file that cannot be created or opened, in words rather than an errno. An
 * EEXIST here comes from creating its folder (a part of the path is a file): `openOutputFile` hands the
 * file's own EEXIST to its caller.
 */
export function cannotWrite(path: string, error: unknown): OutputError {
  if (error instanceof OutputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? `part of ${dirname(path)} is a file, not a directory`
          : code === 'EROFS'
            ? 'the file system is read-only'
            : code === 'ENOSPC'
              ? 'no space left on the device'
              : (error as Error).message;
  return new OutputError('E_OUTPUT', `cannot write ${path}: ${why}`);
}
