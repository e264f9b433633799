// Other load on the machine, for the fan-out runs "machine loaded": busy for `share` of every 10 ms of wall
// time and asleep for the rest, as a busy neighbour process would be, until stopped, and never longer than
// `maxSeconds`. Says "ready" once busy. Usage: node machine-load.mjs <share 0..1> <maxSeconds>
const share = Number(process.argv[2]);
const maxSeconds = Number(process.argv[3]);
const PERIOD_MS = 10;
const end = performance.now() + maxSeconds * 1000;
// Periods from one clock, so that a late timer shortens the next sleep instead of adding to it.
let next = performance.now();

function busy() {
  if (performance.now() > end) process.exit(0);
  while (performance.now() < next + share * PERIOD_MS);
  next += PERIOD_MS;
  setTimeout(busy, Math.max(0, next - performance.now()));
}
busy();
process.stdout.write('ready\n');
