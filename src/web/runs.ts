import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { lastRunEnd } from './run-log.js';
import type { RunMeta, RunSummary } from './run-meta.js';

/** A run's folder name: what the page makes (`<time>-<random>`) or a folder a person made for the CLI. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;
/** Files a run writes beside its input, never an input themselves. */
const OUTPUT = /\.(plan|results|undo)\.csv$|\.log\.jsonl$|\.(journal|lock|snapshot)$|\.part$|^run\.json$/i;
const SHEET = /\.(csv|tsv|txt|xlsx)$/i;

/** One run, as its folder says: the input, the files written beside it, and what the page noted. */
export interface RunInfo {
  id: string;
  dir: string;
  /** The sheet (or results file, for a rerun) the run reads, if the folder has one. */
  input: string | undefined;
  meta: RunMeta;
  files: {
    plan: string | undefined;
    results: string | undefined;
    journal: string | undefined;
    log: string | undefined;
    undo: string | undefined;
  };
  /** The newest counts known: the finished send's, else the log's last `run_end`. */
  summary: RunSummary | undefined;
}

/** The workspace: one folder a run under `<dir>/runs/`. */
export interface Workspace {
  dir: string;
  runsDir: string;
  /** Makes a new run's folder; its input is named by the page (`input.csv` or `input.xlsx`), never by the upload. */
  create(meta: Omit<RunMeta, 'created'>): { id: string; dir: string };
  /** The run, or undefined when there is no such folder (or the id is not a run id). */
  get(id: string): RunInfo | undefined;
  /** Every run, newest first. */
  list(): RunInfo[];
  saveMeta(id: string, meta: RunMeta): void;
  remove(id: string): void;
}

export function createWorkspace(dir: string): Workspace {
  const runsDir = join(dir, 'runs');
  mkdirSync(runsDir, { recursive: true });
  const folder = (id: string) => (RUN_ID.test(id) ? join(runsDir, id) : undefined);

  const get = (id: string): RunInfo | undefined => {
    const path = folder(id);
    if (!path || !isDirectory(path)) return undefined;
    return readRun(id, path);
  };

  return {
    dir,
    runsDir,
    create(meta) {
      const created = new Date();
      const id = `${created.toISOString().replace(/[-:]/g, '').replace('.', '')}-${randomBytes(3).toString('hex')}`;
      const path = join(runsDir, id);
      mkdirSync(path);
      writeMeta(path, { ...meta, created: created.toISOString() });
      return { id, dir: path };
    },
    get,
    list() {
      const runs: RunInfo[] = [];
      for (const id of readdirSync(runsDir)) {
        const run = get(id);
        if (run) runs.push(run);
      }
      return runs.sort((a, b) => b.meta.created.localeCompare(a.meta.created) || b.id.localeCompare(a.id));
    },
    saveMeta(id, meta) {
      const path = folder(id);
      if (path) writeMeta(path, meta);
    },
    remove(id) {
      const path = folder(id);
      if (path) rmSync(path, { recursive: true, force: true });
    },
  };
}

function readRun(id: string, dir: string): RunInfo {
  const names = readdirSync(dir).filter((name) => isFile(join(dir, name)));
  const stored = readMeta(dir);
  const input = pickInput(names);
  const meta: RunMeta = stored ?? {
    created: input ? lstatSync(join(dir, input)).mtime.toISOString() : lstatSync(dir).mtime.toISOString(),
    source: 'cli',
    kind: 'upload',
    mode: input && /\.results\.csv$/i.test(input) ? 'rerun' : 'apply',
    settings: { maxChangePct: 50, allowNegativeMargin: false },
  };
  const stem = input ? input.slice(0, input.length - extname(input).length) : undefined;
  const at = (name: string | undefined) => (name && names.includes(name) ? join(dir, name) : undefined);
  const results = stem ? resultsName(names, stem, meta.mode) : undefined;
  const resultStem = results?.replace(/\.results\.csv$/, '');
  const log = at(resultStem && `${resultStem}.log.jsonl`);
  const files = {
    plan: at(stem && `${stem}.plan.csv`),
    results: at(results),
    journal: at(results && `${results}.journal`),
    log,
    undo: at(resultStem && `${resultStem}.undo.csv`) ?? at(stem && `${stem}.undo.csv`),
  };
  return {
    id,
    dir,
    input: input ? join(dir, input) : undefined,
    meta,
    files,
    summary: meta.result ?? (log ? lastRunEnd(log) : undefined),
  };
}

/** The page's own `input.*`; in a folder made for the CLI, the one sheet that is not an output. */
function pickInput(names: string[]): string | undefined {
  const own = names.find((name) => /^input\.(csv|xlsx)$/.test(name));
  if (own) return own;
  const sheets = names.filter((name) => SHEET.test(name) && !OUTPUT.test(name)).sort();
  return sheets[0] ?? names.find((name) => /\.results\.csv$/i.test(name) && !/\.rerun-\d+\./.test(name));
}

/** apply: `<stem>.results.csv`; rerun: the newest `<base>.rerun-N.results.csv`, as the library names them. */
function resultsName(names: string[], stem: string, mode: 'apply' | 'rerun'): string | undefined {
  if (mode === 'apply') return `${stem}.results.csv`;
  const base = stem.replace(/\.results$/i, '').replace(/\.rerun-\d+$/i, '');
  let best: string | undefined;
  let bestN = 0;
  for (const name of names) {
    if (!name.startsWith(`${base}.rerun-`) || !name.endsWith('.results.csv')) continue;
    const n = Number(name.slice(base.length + 7, -'.results.csv'.length));
    if (Number.isInteger(n) && n > bestN) [best, bestN] = [name, n];
  }
  return best ?? `${base}.rerun-1.results.csv`;
}

function readMeta(dir: string): RunMeta | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunMeta;
  } catch {
    return undefined;
  }
}

function writeMeta(dir: string, meta: RunMeta): void {
  const path = join(dir, 'run.json');
  writeFileSync(`${path}.part`, `${JSON.stringify(meta, null, 2)}\n`);
  renameSync(`${path}.part`, path);
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}
