// Sums the JUnit reports every test runner of `make test` wrote under a folder (vitest, Schemathesis)
// and prints one closing line, alone: `N passed, N failed` (`, N skipped` when there are any).
// Usage: node .ci/summary.mjs <reports dir> <exit status of make test>
// A non-zero status with no failed test case means a step outside the runners failed (generation,
// lint, type-check, an install, a server that would not start): that counts as one failure, so the
// line never reads as a pass when the run did not pass.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [dir = 'reports', statusArg = '0'] = process.argv.slice(2);
const status = Number(statusArg);

function reportFiles(folder) {
  let names;
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return reportFiles(path);
    return name.endsWith('.xml') ? [path] : [];
  });
}

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every <testcase> below a parsed node, however deep its <testsuite>s nest. */
function* testCases(node) {
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'testcase') yield* asList(value);
    else if (key !== ':@' && !key.startsWith('@_')) for (const child of asList(value)) yield* testCases(child);
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const notes = [];
try {
  const { XMLParser } = await import('fast-xml-parser');
  const parser = new XMLParser({ ignoreAttributes: false, allowBooleanAttributes: true });
  for (const file of reportFiles(dir)) {
    let cases = 0;
    for (const testCase of testCases(parser.parse(readFileSync(file, 'utf8')))) {
      cases++;
      const outcome = typeof testCase === 'object' && testCase !== null ? testCase : {};
      if ('failure' in outcome || 'error' in outcome) failed++;
      else if ('skipped' in outcome) skipped++;
      else passed++;
    }
    notes.push(`${file}: ${cases} test cases`);
  }
} catch (err) {
  notes.push(`could not read the reports: ${err.message}`);
  if (status === 0) failed++;
}
if (status !== 0 && failed === 0) {
  notes.push(`make test exited with ${status} outside any test runner`);
  failed = 1;
}
for (const note of notes) console.log(`summary: ${note}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
