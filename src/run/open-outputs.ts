import type { Journal } from '../record/journal.js';
import { openFileLogger, type FileLogger, type Logger } from '../record/log.js';
import { createResultsWriter, type ResultsWriter } from '../record/results-writer.js';
import type { ResolvedOptions } from './resolve-options.js';
import { openJournal, type Resumed } from './resume.js';
import type { Scan } from './scan-pass.js';

/** The files a run writes as it goes. */
export interface RunOutputs {
  writer: ResultsWriter;
  journal: Journal | undefined;
  /** The log the run opened itself (none when the caller gave a logger or turned the log off). */
  ownLog: FileLogger | undefined;
}

/**
 * Opens the results file, then the journal, then the log. The results file comes first: it is the output
 * most likely to be refused (it exists, it is a link), so a refused run leaves no empty log or journal.
 */
export function openOutputs(
  o: ResolvedOptions,
  scan: Scan,
  resumed: Resumed | undefined,
  runId: string,
  logger: Logger | undefined,
): RunOutputs {
  const writer = createResultsWriter({
    path: o.out,
    inputColumns: scan.columns.names,
    excel: o.excel || scan.excelStyle,
    overwrite: o.force || o.resume || (o.dryRun && o.out.endsWith('.dry-run.results.csv')),
    window: o.reorderWindow,
    resumable: !o.dryRun,
  });
  let journal: Journal | undefined;
  try {
    journal = o.dryRun ? undefined : openJournal(o, scan, resumed, runId);
    const ownLog = logger || o.log === false ? undefined : openFileLogger(o.log);
    return { writer, journal, ownLog };
  } catch (error) {
    writer.abandon();
    journal?.close(resumed === undefined);
    throw error;
  }
}
