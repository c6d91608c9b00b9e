// The floor a client can reach: a bare undici `dispatch` loop, C requests in flight, no validation, retry or
// per-row record. The bench runs it beside cake-bulk at each 50 ms concurrency, on the same sandbox, posting
// the bodies cake-bulk sends for the same rows (one JSON per line, as bench/inputs.mjs writes them).
//   node dist/cli/main.js sandbox --port 4556 --latency 50 &   (CAKE_API_KEY=sandbox-key)
//   node bench/bare-client.mjs http://127.0.0.1:4556 bodies.jsonl 64 50
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';

const [origin, bodiesPath, c = '64', latency = '50'] = process.argv.slice(2);
const bodies = readFileSync(bodiesPath, 'utf8').trimEnd().split('\n');
const N = bodies.length;
const C = Number(c);
const agent = new Agent({ connections: C });

function post(body) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    agent.dispatch(
      {
        origin,
        path: '/api/2/update_offer.json',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      },
      {
        onRequestStart() {},
        onResponseStart() {},
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve(Buffer.concat(chunks).toString());
        },
        onResponseError(_controller, error) {
          reject(error);
        },
      },
    );
  });
}

let next = 0;
const started = performance.now();
async function worker() {
  while (next < N) {
    const i = next++;
    const answer = await post(bodies[i]);
    if (!answer.includes('"Success"')) throw new Error(answer);
  }
}
await Promise.all(Array.from({ length: C }, worker));
const seconds = (performance.now() - started) / 1000;
const bound = C / (Number(latency) / 1000);
process.stderr.write(
  `${N} requests, C=${C}: ${(N / seconds).toFixed(0)}/s = ${((100 * N) / seconds / bound).toFixed(1)}% of C/L\n`,
);
// The bench reads this line.
console.log(JSON.stringify({ requests: N, concurrency: C, seconds }));
await agent.close();
