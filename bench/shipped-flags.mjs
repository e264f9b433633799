import { readFileSync } from 'node:fs';

/** The Node flags `npm start` runs the server with, so that benchmarks measure the server as it ships. */
export function shippedFlags(root) {
  const start = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts.start;
  const flags = /\bnode((?: --[\w-]+(?:=\S+)?)*) dist\/src\/main\.js$/.exec(start);
  if (!flags) throw new Error(`package.json: the start script does not run node [flags] dist/src/main.js: ${start}`);
  return flags[1].trim().split(' ').filter(Boolean);
}
