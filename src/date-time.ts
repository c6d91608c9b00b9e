/**
 * CAKE's date-times as wall-clock text: `2026-01-31T10:00:00.000Z` and `2026-01-31 10:00:00` are the same
 * value for CAKE, which applies its own time zone. Shared by the echo check and the plan.
 */
export function normalizeDateTime(value: string): string {
  return value
    .replace('T', ' ')
    .replace(/(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/, '')
    .trim();
}

/** Now as `YYYY-MM-DD HH:MM:SS` on this machine's clock. */
export function wallClock(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}
