import { normalizeDateTime } from '../date-time.js';
import type { Redactor } from '../redact.js';
import { UPDATE_FIELDS, type ResultOffer, type UpdateRequest } from '../types.js';

/** What a successful update's echoed offer says: the result columns, and where it differs from what was sent. */
export interface Echo {
  /** The update fields as the server wrote them, as text, scrubbed of the key. */
  offer: ResultOffer;
  /** Readable "field: sent X, server has Y" phrases; empty when the echo agrees. */
  mismatches: string[];
}

const NUMBER_FIELDS = new Set(['payout', 'revenue']);

/**
 * Reads the offer a successful update echoes. CAKE answers with the offer as it now is, so an echo of
 * another offer (`offer_id` not the one sent) or of values that are not the ones sent means the update
 * cannot be trusted to have landed. Numbers must be JSON numbers: `"0x15"` is not 21. A field the server
 * does not echo cannot be checked and is not reported.
 */
export function checkEcho(request: UpdateRequest, echoed: unknown, redact: Redactor): Echo {
  const offer: ResultOffer = {};
  const mismatches: string[] = [];
  if (typeof echoed !== 'object' || echoed === null || Array.isArray(echoed)) return { offer, mismatches };
  const record = echoed as Record<string, unknown>;
  const shown = (value: unknown) => redact(JSON.stringify(value) ?? String(value));
  const id = record.offer_id;
  if (id !== undefined && id !== null && !(typeof id === 'number' && id === request.offer_id)) {
    mismatches.push(`offer_id: sent ${request.offer_id}, server has ${shown(id)}`);
  }
  for (const field of UPDATE_FIELDS) {
    const value = record[field];
    if (value === undefined || value === null) continue;
    offer[field] = redact(typeof value === 'object' ? JSON.stringify(value) : String(value));
    const sent = request[field];
    if (sent !== undefined && !sameValue(field, sent, value)) {
      mismatches.push(`${field}: sent ${JSON.stringify(sent)}, server has ${shown(value)}`);
    }
  }
  return { offer, mismatches };
}

function sameValue(field: string, sent: string | number, got: unknown): boolean {
  if (NUMBER_FIELDS.has(field)) {
    return typeof got === 'number' && Number.isFinite(got) && Math.abs(got - Number(sent)) < 1e-9;
  }
  if (typeof got !== 'string') return false;
  // The server usually echoes exactly what it was sent; only a different spelling needs a closer look.
  if (got === sent) return true;
  if (field === 'offer_status') return got.toLowerCase() === String(sent).toLowerCase();
  if (field === 'expiration_date') return normalizeDateTime(got) === normalizeDateTime(String(sent));
  return false;
}
