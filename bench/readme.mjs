import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Puts `text` into the README at `path` between `<!-- name:start -->` and `<!-- name:end -->`, where a full run of a
 * benchmark keeps its last table. Returns false, changing nothing, when the README lacks the markers.
 */
export function replaceInReadme(path, name, text) {
  const readme = readFileSync(path, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(`<!-- ${name}:end -->`);
  if (from < 0 || to < from) return false;
  writeFileSync(path, `${readme.slice(0, from + start.length)}\n${text}\n${readme.slice(to)}`);
  return true;
}
