// The bench's one table, as markdown so it can go into the README as printed.

/** A number with thousands separators and a fixed number of decimals. */
export function num(value, decimals = 0) {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

const COLUMNS = [
  ['figure', 'figure'],
  ['workload', 'runs'],
  ['median', 'median'],
  ['spread', 'min-max'],
  ['target', 'target'],
  ['met', 'met'],
];

export function formatTable(rows) {
  const cell = (row, key) => {
    if (key !== 'met') return String(row[key] ?? '');
    return row.met === undefined ? '' : row.met ? 'yes' : 'NO';
  };
  const widths = COLUMNS.map(([key, title]) =>
    Math.max(title.length, ...rows.map((r) => cell(r, key).length)),
  );
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(COLUMNS.map(([, title]) => title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((row) => line(COLUMNS.map(([key]) => cell(row, key)))),
  ].join('\n');
}
