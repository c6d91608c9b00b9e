import type { Dispatcher } from 'undici';
import type { HttpAnswer, HttpRequest } from '../types.js';

export interface ExchangeOptions {
  dispatcher: Dispatcher;
  origin: string;
  request: HttpRequest;
  /** Largest body worth reading; past it the connection is dropped and the answer's text is ''. */
  maxBodyBytes: number;
}

export interface Exchange {
  answer: Promise<HttpAnswer>;
  /** Ends the exchange, whether it is still queued or on the wire; `answer` rejects with `reason`. */
  cancel: (reason: Error) => void;
}

/**
 * Sends one request through undici's dispatcher and collects the answer in memory. This is undici's
 * low-level `dispatch` API rather than `request`: `request` wraps every answer in a Readable stream and
 * an abort-signal listener, machinery that costs more than the rest of an exchange for CAKE's
 * few-hundred-byte answers.
 */
export function exchange(options: ExchangeOptions): Exchange {
  let controller: Dispatcher.DispatchController | undefined;
  let cancelled: Error | undefined;
  const cancel = (reason: Error) => {
    cancelled ??= reason;
    // Before the request reaches a connection there is no controller yet; onRequestStart sees the flag.
    controller?.abort(reason);
  };
  const answer = new Promise<HttpAnswer>((resolve, reject) => {
    let status = 0;
    let headers: HttpAnswer['headers'] = {};
    const chunks: Buffer[] = [];
    let size = 0;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (cancelled) c.abort(cancelled);
      },
      onResponseStart(_c, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders as HttpAnswer['headers'];
      },
      onResponseData(c, chunk) {
        size += chunk.length;
        chunks.push(chunk);
        if (size > options.maxBodyBytes) {
          // Not a CAKE answer: stop reading it. The answer is settled first, so the abort's error is moot.
          resolve({ status, headers, text: '' });
          c.abort(new Error('answer too large'));
        }
      },
      onResponseEnd() {
        const text =
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        resolve({ status, headers, text });
      },
      onResponseError(_c, error) {
        reject(cancelled ?? error);
      },
    };
    try {
      options.dispatcher.dispatch(
        {
          origin: options.origin,
          path: options.request.path,
          method: options.request.method,
          headers:
            options.request.body === undefined
              ? { accept: 'application/json' }
              : { 'content-type': 'application/json', accept: 'application/json' },
          body: options.request.body,
        },
        handler,
      );
    } catch (error) {
      reject(error as Error);
    }
  });
  return { answer, cancel };
}
