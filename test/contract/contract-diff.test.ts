import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { projectRoot } from '../../src/contract/document.js';

/**
 * The breaking-change gate (spec/contract-diff.mjs) on real edits of the documents: it passes the
 * contract as it is, and fails a breaking edit until the major version goes up. `make contract-diff`.
 */
const run = promisify(execFile);
const root = projectRoot();
const enabled = Boolean(process.env.OASDIFF);

/** A parsed document, edited freely by the tests. */
type Document = Record<string, any>;

/** The gate on edited copies of the documents, with a changelog of its own; its exit status and output. */
async function gate(edit: { openapi?: (doc: Document) => void; asyncapi?: (doc: Document) => void; version?: string; released?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'contract-diff-'));
  const files: Record<string, string> = {};
  for (const name of ['openapi', 'asyncapi'] as const) {
    const doc = parse(readFileSync(join(root, `generated/${name}.yaml`), 'utf8')) as Document;
    edit[name]?.(doc);
    if (edit.version) doc.info.version = edit.version;
    writeFileSync((files[name] = join(dir, `${name}.yaml`)), stringify(doc));
  }
  const changelog = join(dir, 'CHANGELOG.md');
  copyFileSync(join(root, 'CHANGELOG.md'), changelog);
  const args = ['spec/contract-diff.mjs', '--openapi', files.openapi!, '--asyncapi', files.asyncapi!, '--changelog', changelog, ...(edit.released ? ['--released', edit.released] : [])];
  const outcome = await run(process.execPath, args, { cwd: root }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, output: err.stdout + err.stderr }),
  );
  return { ...outcome, changelog };
}

/** The documents as they are, released under their own version: a baseline the edits below break. */
const current = (parse(readFileSync(join(root, 'generated/openapi.yaml'), 'utf8')) as Document).info.version as string;
function releasedAsTheyAre(): string {
  const released = mkdtempSync(join(tmpdir(), 'released-'));
  mkdirSync(join(released, current));
  for (const name of ['openapi', 'asyncapi']) copyFileSync(join(root, `generated/${name}.yaml`), join(released, current, `${name}.yaml`));
  return released;
}
const nextMajor = `${Number(current.split('.')[0]) + 1}.0.0`;

describe.skipIf(!enabled)('the breaking-change gate', () => {
  it('passes the contract as it is', async () => {
    const { code, output } = await gate();
    expect(code).toBe(0);
    // Against themselves, released: nothing changed, nothing breaks.
    const unchanged = await gate({ released: releasedAsTheyAre() });
    expect(unchanged.output).toMatch(/0 change\(s\), 0 breaking/);
  });

  it('fails when a response field is removed, naming it, until the major version goes up', async () => {
    const removeDescription = (doc: Document) => {
      const room = doc.components.schemas.Room;
      delete room.properties.description;
      room.required = room.required.filter((p: string) => p !== 'description');
    };
    const released = releasedAsTheyAre();
    const same = await gate({ openapi: removeDescription, released });
    expect(same.code).toBe(1);
    expect(same.output).toContain(`breaking change(s) since ${current}, and ${current} keeps its major version`);
    expect(same.output).toMatch(/description/);

    const major = await gate({ openapi: removeDescription, released, version: nextMajor });
    expect(major.output).not.toMatch(/keeps its major version/);
    // A new version needs its changes in CHANGELOG.md, written by `make changelog`.
    expect(major.output).toMatch(/does not list the changes/);
  });

  it('fails when a chat event loses a field, or a frame the client sends narrows', async () => {
    const released = releasedAsTheyAre();
    const noSeq = await gate({
      released,
      asyncapi: (doc) => {
        const said = doc.components.schemas.SaidEvent;
        delete said.properties.seq;
        said.required = said.required.filter((p: string) => p !== 'seq');
      },
    });
    expect(noSeq.code).toBe(1);
    expect(noSeq.output).toMatch(/asyncapi: remove .*seq/);

    const shorter = await gate({ released, asyncapi: (doc) => (doc.components.schemas.MessageText.maxLength = 200) });
    expect(shorter.code).toBe(1);
    expect(shorter.output).toMatch(/asyncapi: edit .*maxLength/);
  });

  it('asks for a new version when the contract changes after a release, and for the change in the changelog', async () => {
    // The documents as they are, released as 0.2.0.
    const released = mkdtempSync(join(tmpdir(), 'released-'));
    mkdirSync(join(released, '0.2.0'));
    for (const name of ['openapi', 'asyncapi']) copyFileSync(join(root, `generated/${name}.yaml`), join(released, '0.2.0', `${name}.yaml`));
    const addRoute = (doc: Document) => {
      doc.paths['/ping'] = { get: { operationId: 'ping', summary: 'Ping', responses: { '204': { description: 'Pong.' } } } };
    };
    const same = await gate({ openapi: addRoute, released, version: '0.2.0' });
    expect(same.code).toBe(1);
    expect(same.output).toMatch(/changed since 0\.2\.0, but info\.version is still 0\.2\.0: raise it/);
    const minor = await gate({ openapi: addRoute, released, version: '0.3.0' });
    expect(minor.output).toMatch(/1 change\(s\), 0 breaking/);
    expect(minor.output).toMatch(/does not list the changes/);
  });
});
