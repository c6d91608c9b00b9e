import type { Redactor } from '../redact.js';
import type { AttemptResult, HttpAnswer, HttpRequest, UpdateRequest } from '../types.js';
import { classifyAnswer } from './classify-answer.js';
import { checkEcho } from './echo.js';

/**
 * The update_offer request for one validated row: a JSON body with the key first. The key is added only
 * here, at the moment of sending, so nothing upstream ever holds a body with it.
 */
export function updateOfferRequest(path: string, update: UpdateRequest, apiKey: string): HttpRequest {
  return { method: 'POST', path, body: JSON.stringify({ api_key: apiKey, ...update }) };
}

/** What an update_offer answer means for the row: a success carries the echoed offer and any mismatch. */
export function classifyUpdateAnswer(
  answer: HttpAnswer,
  update: UpdateRequest,
  redact: Redactor,
): AttemptResult {
  const classified = classifyAnswer(answer, redact);
  if (classified.kind !== 'success') return classified;
  const { offer, mismatches } = checkEcho(update, classified.body.offer, redact);
  return { kind: 'success', httpStatus: classified.httpStatus, offer, mismatches };
}
