// Preload used only when /usr/bin/time is missing: `node --import ./cpu-report.mjs cli.js ...` writes the
// process's own CPU (µs) and peak RSS (KB) to $BENCH_USAGE_FILE as it exits.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  const { maxRSS } = process.resourceUsage();
  writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ user, system, maxRSS }));
});
