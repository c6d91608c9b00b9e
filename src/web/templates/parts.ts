import { html, type Html } from './html.js';

/** 12,345 */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1 row`, `2 rows`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** A date-time as a person reads it, in UTC so a test and a screenshot read the same. */
export function when(iso: string | undefined): string {
  if (!iso) return '';
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
}

/** `3 min 20 s`, `45 s`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Counts by status as a description list, skipping statuses with none unless `all`. */
export function countList(counts: Record<string, number>, order: readonly string[], label: string): Html {
  const items = order.filter((status) => (counts[status] ?? 0) > 0 || status === 'updated');
  return html`<dl class="counts" aria-label="${label}">
    ${items.map(
      (status) =>
        html`<div>
          <dt>${status.replace('_', ' ')}</dt>
          <dd>${count(counts[status] ?? 0)}</dd>
        </div>`,
    )}
  </dl>`;
}

/** The hidden CSRF field every form carries. */
export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}" />`;
}

/** A button that sends a POST form (a state change), with the CSRF field. */
export function postButton(action: string, label: string, csrf: string, disabled = false): Html {
  return html`<form method="post" action="${action}" class="inline">
    ${csrfField(csrf)}<button type="submit" ${disabled ? html` disabled` : ''}>${label}</button>
  </form>`;
}
