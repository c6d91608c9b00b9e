// A fixed single-threaded workload, timed: the bench runs it between scenarios so a reader can tell a slow
// run of the machine from slow code (this shared machine's speed varies by 30% or more from hour to hour).
// Prints milliseconds; lower is faster. The same allocation, JSON and string work a row costs, no I/O.
const started = performance.now();
let sink = 0;
for (let i = 0; i < 400_000; i++) {
  const request = {
    offer_id: 100_000 + i,
    offer_name: `Offer ${i % 977}`,
    offer_status: 'active',
    payout: (i % 9973) / 100,
  };
  const line = JSON.stringify(request);
  const back = JSON.parse(line);
  sink +=
    line.length + back.offer_name.split(' ').length + (/^\d+\.\d{1,2}$/.test(String(back.payout)) ? 1 : 0);
}
if (sink === 0) throw new Error('unreachable');
process.stdout.write(`${Math.round(performance.now() - started)}\n`);
