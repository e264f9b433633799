import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { projectRoot } from '../../src/contract/document.js';

let parsed: Promise<AsyncAPIDocumentInterface> | undefined;

/** The served document (generated/asyncapi.yaml) as @asyncapi/parser's model, for tests that walk it. */
export function loadAsyncApiDocument(): Promise<AsyncAPIDocumentInterface> {
  parsed ??= (async () => {
    const source = join(projectRoot(), 'generated', 'asyncapi.yaml');
    const { document, diagnostics } = await new Parser().parse(readFileSync(source, 'utf8'), { source });
    if (!document) throw new Error(`generated/asyncapi.yaml does not parse: ${diagnostics.map((d) => d.message).join('; ')}`);
    return document;
  })();
  return parsed;
}
