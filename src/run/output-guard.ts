import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** One file a run writes, named as the user knows it (`--out`, `--log`, `the journal`). */
export interface OutputPath {
  name: string;
  path: string;
}

/**
 * Refuses a run whose outputs would overwrite its own input or each other (`--out in.csv`, `--log` the
 * results file), before anything is opened. Paths are compared after resolving symbolic links, and
 * existing files by device and inode, so a hard link to the input counts as the input.
 */
export function checkOutputPaths(input: string, outputs: OutputPath[]): void {
  const seen: Array<OutputPath & { where: string; inode: string | undefined }> = [
    { name: 'the input', path: input, where: where(input), inode: inode(input) },
  ];
  for (const output of outputs) {
    const entry = { ...output, where: where(output.path), inode: inode(output.path) };
    const clash = seen.find(
      (other) => other.where === entry.where || (entry.inode !== undefined && other.inode === entry.inode),
    );
    if (clash) {
      // The journal, snapshot and lock sit beside --out under names the user did not choose: a clash
      // there is a link someone planted, and the way out is to remove it (or to pick another --out).
      const own = (o: OutputPath) => o.name.startsWith('--');
      const fix =
        own(output) && (clash.name === 'the input' || own(clash))
          ? clash.name === 'the input'
            ? 'pick another path'
            : 'give each its own path'
          : `remove the link, or pick another --out`;
      throw new UsageError(
        clash.name === 'the input'
          ? `${output.name} ${output.path} is the input file itself; ${fix} (nothing was written)`
          : `${output.name} ${output.path} is the same file as ${clash.name} ${clash.path}; ${fix} (nothing was written)`,
        'E_SAME_FILE',
      );
    }
    seen.push(entry);
  }
}

/** The absolute path with every link in it resolved, as far as the path exists. */
function where(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return resolve(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

function inode(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return undefined;
  }
}
