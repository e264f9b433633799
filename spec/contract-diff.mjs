// The breaking-change gate (`make contract-diff`, part of `make test`): both documents against the last
// released contract under spec/released/<version>/. A breaking change fails unless info.version's major
// is above the released one's; a changed contract needs a new info.version; CHANGELOG.md must list the
// changes since the release (`make changelog` writes that section).
//
// OpenAPI: oasdiff (OASDIFF, built by test/contract/oasdiff.sh). AsyncAPI: @asyncapi/diff computes the
// changes; it classifies the document's structure but leaves message schemas "unclassified", so those
// are classified here, conservatively: documentation is harmless, a new optional property is harmless, a
// new required property breaks clients that send the message, and anything removed or changed breaks.
//
// Usage: node spec/contract-diff.mjs [--write-changelog] [--openapi FILE] [--asyncapi FILE] [--changelog FILE] [--released DIR]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Parser } from '@asyncapi/parser';
import { diff } from '@asyncapi/diff';
import { parse } from 'yaml';

const { values: args } = parseArgs({
  options: {
    'write-changelog': { type: 'boolean', default: false },
    openapi: { type: 'string', default: 'generated/openapi.yaml' },
    asyncapi: { type: 'string', default: 'generated/asyncapi.yaml' },
    changelog: { type: 'string', default: 'CHANGELOG.md' },
    released: { type: 'string', default: 'spec/released' },
  },
});
const oasdiff = process.env.OASDIFF;
if (!oasdiff || !existsSync(oasdiff)) throw new Error('OASDIFF must name the oasdiff binary: run `make contract-diff`');

const semver = (v) => v.split('.').map(Number);
const newer = (a, b) => {
  const [x, y] = [semver(a), semver(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return false;
};
const released = readdirSync(args.released).filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort((a, b) => (newer(a, b) ? 1 : -1)).at(-1);
if (!released) throw new Error(`${args.released} has no released contract`);
const base = (name) => `${args.released}/${released}/${name}`;

const versionOf = (file) => parse(readFileSync(file, 'utf8')).info.version;
const version = versionOf(args.openapi);
if (versionOf(args.asyncapi) !== version) throw new Error(`openapi.yaml is ${version} and asyncapi.yaml ${versionOf(args.asyncapi)}: one contract, one version`);

// --- OpenAPI, with oasdiff ---
const oas = (command) => JSON.parse(execFileSync(oasdiff, [command, base('openapi.yaml'), args.openapi, '-f', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 }) || '[]');
const openapiChanges = oas('changelog').map((c) => ({
  document: 'openapi',
  breaking: c.level === 3,
  text: `${c.operation ? `${c.operation} ${c.path}: ` : ''}${c.text}`,
}));

// --- AsyncAPI, with @asyncapi/diff ---
async function dereferenced(file) {
  const { document, diagnostics } = await new Parser().parse(readFileSync(file, 'utf8'), { source: file });
  if (!document) throw new Error(`${file}: ${diagnostics.filter((d) => d.severity === 0).map((d) => d.message).join('; ')}`);
  return document.json();
}
const before = await dereferenced(base('asyncapi.yaml'));
const after = await dereferenced(args.asyncapi);
const DOCUMENTATION = new Set(['description', 'summary', 'title', 'examples', 'externalDocs', 'tags', 'version']);

/** Whether the operation a path lies under receives (client → server) or sends the message. */
const actionOf = (path) => {
  const [, section, name] = path.split('/');
  return section === 'operations' ? (after.operations?.[name] ?? before.operations?.[name])?.action : undefined;
};

/** Documentation only, or a change clients meet: breaking or not. */
function classify(change) {
  const segments = change.path.split('/').slice(1);
  // The document's own information (its version among it), the version of AsyncAPI it is written in, and
  // its prose change nothing on the wire.
  if (segments[0] === 'info' || segments[0] === 'asyncapi' || segments.some((s) => DOCUMENTATION.has(s) || s.startsWith('x-'))) return 'documentation';
  // Components reach clients only through the operations, where the same change shows again.
  if (segments[0] === 'components') return 'documentation';
  if (change.type !== 'unclassified') return change.type;
  if (change.action !== 'add') return 'breaking';
  // Something new: harmless, unless it makes clients send more than they did.
  return segments.includes('required') && actionOf(change.path) === 'receive' ? 'breaking' : 'non-breaking';
}
/** A change to a message's payload reads the same wherever the message shows (each operation and channel using it). */
function describe(change) {
  const at = change.path.indexOf('/payload');
  if (at < 0) return `${change.action} ${change.path}`;
  const message = change.path.slice(0, at).split('/').at(-1);
  return `${change.action} in the payload of ${/^\d+$/.test(message) ? 'a message' : `\`${message}\``}: ${change.path.slice(at + '/payload'.length) || '/'}`;
}
const compared = diff(before, after);
const asyncapiChanges = [...compared.breaking(), ...compared.nonBreaking(), ...compared.unclassified()]
  .map((c) => ({ document: 'asyncapi', kind: classify(c), text: describe(c) }))
  .filter((c) => c.kind !== 'documentation')
  .map(({ document, kind, text }) => ({ document, breaking: kind === 'breaking', text }))
  .filter((c, i, all) => all.findIndex((d) => d.text === c.text && d.breaking === c.breaking) === i);

// --- The verdict ---
const changes = [...openapiChanges, ...asyncapiChanges];
const breaking = changes.filter((c) => c.breaking);
const problems = [];
if (changes.length && !newer(version, released)) problems.push(`the contract changed since ${released}, but info.version is still ${version}: raise it`);
if (breaking.length && semver(version)[0] <= semver(released)[0]) {
  problems.push(`${breaking.length} breaking change(s) since ${released}, and ${version} keeps its major version:\n${breaking.map((c) => `  - ${c.document}: ${c.text}`).join('\n')}`);
}

// --- CHANGELOG.md: the section of the unreleased version lists what changed since the release ---
const section = [
  `## ${version} (since ${released})`,
  '',
  ...(changes.length ? changes.map((c) => `- ${c.breaking ? '**Breaking:** ' : ''}${c.document === 'openapi' ? 'REST' : 'Chat'}: ${c.text}`) : ['No changes to the contract.']),
  '',
].join('\n');
const intro = '# Changelog\n\nChanges to the contract (openapi.yaml, asyncapi.yaml) since each release, written by `make changelog`.\n\n';
const changelog = existsSync(args.changelog) ? readFileSync(args.changelog, 'utf8') : intro;
/** The changelog with this version's section in place of the one it had, or above the older ones. */
function withSection(text) {
  const start = text.indexOf(`\n## ${version} (`);
  if (start >= 0) {
    const end = text.indexOf('\n## ', start + 1);
    return `${text.slice(0, start + 1)}${section}${end < 0 ? '' : text.slice(end)}`;
  }
  const first = text.indexOf('\n## ');
  return first < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, first + 1)}${section}${text.slice(first)}`;
}
const updated = withSection(changelog);
if (args['write-changelog']) writeFileSync(args.changelog, updated);
else if (updated !== changelog && !problems.length) problems.push(`${args.changelog} does not list the changes since ${released}: run \`make changelog\` and commit it`);

console.log(`contract ${version} against ${released}: ${changes.length} change(s), ${breaking.length} breaking`);
if (problems.length) {
  for (const problem of problems) console.error(`contract-diff: ${problem}`);
  process.exit(1);
}
