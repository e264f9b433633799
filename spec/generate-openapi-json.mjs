// Writes generated/openapi.json, the bundled generated/openapi.yaml as JSON (run by `make generate`).
// The server loads this one: parsing the YAML at every start left each process some 20 MB larger for good,
// where JSON.parse of the same document costs about 2 MB. generated/openapi.yaml stays the document served
// at /openapi.yaml and read by the tools. `--source` and `--out` are for the tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const source = option('--source', 'generated/openapi.yaml');
const out = option('--out', 'generated');
writeFileSync(`${out}/openapi.json`, `${JSON.stringify(parse(readFileSync(source, 'utf8')), null, 2)}\n`);
