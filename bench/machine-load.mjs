// Other load on the machine, for the fan-out runs "machine loaded": busy for `share` of every 10 ms and
// asleep for the rest, as a busy neighbour process would be, until stopped, and never longer than
// `maxSeconds`. Usage: node machine-load.mjs <share 0..1> <maxSeconds>
const share = Number(process.argv[2]);
const maxSeconds = Number(process.argv[3]);
const PERIOD_MS = 10;
const end = performance.now() + maxSeconds * 1000;

function busy() {
  const start = performance.now();
  if (start > end) process.exit(0);
  while (performance.now() - start < share * PERIOD_MS);
  setTimeout(busy, (1 - share) * PERIOD_MS);
}
busy();
