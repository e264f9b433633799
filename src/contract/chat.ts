import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Ajv, type ValidateFunction } from 'ajv';
import { configureAjv } from './ajv.js';
import { projectRoot } from './document.js';

export interface CloseCode {
  code: number;
  reason: string;
}

export type CloseCodeName = 'roomDeleted' | 'tokenRevoked' | 'frameTooLarge' | 'slowReader' | 'flooding' | 'shuttingDown';

export interface ChatContract {
  /** The bundled document as served at /asyncapi.yaml. */
  asyncapiText: string;
  /** The same, parsed and dereferenced: what the chat mock builds its frames from. */
  document: ParsedAsyncApi;
  /** A validator for each frame a client may send, by its `event_type`. */
  clientFrames: ReadonlyMap<string, ValidateFunction>;
  closeCodes: Readonly<Record<CloseCodeName, CloseCode>>;
}

export class ChatContractError extends Error {}

/** A message of a parsed (dereferenced) AsyncAPI 3 document. */
export interface ParsedMessage {
  name?: string;
  payload?: { properties?: { event_type?: { const?: string } } };
  examples?: { name?: string; payload?: Record<string, unknown> }[];
}

/** The parts of a parsed (dereferenced) AsyncAPI 3 document the server and the mock read. */
export interface ParsedAsyncApi {
  operations?: Record<string, { action?: string; messages?: ParsedMessage[] }>;
  channels?: Record<string, { 'x-close-codes'?: Record<CloseCodeName, CloseCode> }>;
}
interface Diagnostic {
  severity: number;
  message: string;
  path: (string | number)[];
}

/**
 * @asyncapi/parser (with its Spectral rulesets) costs the process about 70 MB of memory it never gives
 * back, for a parse done once at start. It runs in a worker thread instead, whose memory goes with it,
 * and sends back the dereferenced document as plain data. JS in a string: a worker cannot load this
 * TypeScript module when it runs from source under the tests. Only import(), no require: an eval worker
 * inherits the parent's flags, and under --input-type=module it runs as ESM, where require is undefined.
 */
const PARSE_IN_WORKER = `
import('node:worker_threads').then(async ({ parentPort, workerData }) => {
  const { Parser } = (await import(workerData.parser)).default;
  await new Parser().parse(workerData.text, { source: workerData.source }).then(
    ({ document, diagnostics }) => parentPort.postMessage({
      json: document ? document.json() : null,
      diagnostics: diagnostics.map((d) => ({ severity: d.severity, message: d.message, path: d.path })),
    }),
    (err) => parentPort.postMessage({ json: null, diagnostics: [{ severity: 0, message: String(err), path: [] }] }),
  );
});`;

async function parseInWorker(text: string, source: string): Promise<{ json: ParsedAsyncApi | null; diagnostics: Diagnostic[] }> {
  const parser = pathToFileURL(createRequire(import.meta.url).resolve('@asyncapi/parser')).href;
  const worker = new Worker(PARSE_IN_WORKER, { eval: true, workerData: { parser, text, source } });
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new ChatContractError(`the AsyncAPI parser stopped with exit code ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}

/** Parses and checks an AsyncAPI document; exported for tests, the server uses `loadChatContract`. */
export async function parseChatContract(source: string): Promise<ChatContract> {
  const asyncapiText = readFileSync(source, 'utf8');
  const { json, diagnostics } = await parseInWorker(asyncapiText, source);
  const errors = diagnostics.filter((d) => d.severity === 0);
  if (!json || errors.length) {
    const details = errors.map((d) => `${d.message} at ${d.path.join('.') || '/'}`).join('; ');
    throw new ChatContractError(`asyncapi.yaml is not a valid AsyncAPI document: ${details}`);
  }

  const ajv = configureAjv(new Ajv({ strict: false, allErrors: true }));
  const clientFrames = new Map<string, ValidateFunction>();
  for (const operation of Object.values(json.operations ?? {}).filter((op) => op.action === 'receive')) {
    for (const message of operation.messages ?? []) {
      const schema = message.payload;
      const eventType = schema?.properties?.event_type?.const;
      if (!schema || !eventType) throw new ChatContractError(`asyncapi.yaml: message ${message.name ?? '(unnamed)'} has no event_type const`);
      clientFrames.set(eventType, ajv.compile(schema));
    }
  }

  const closeCodes = json.channels?.room?.['x-close-codes'];
  if (!closeCodes) throw new ChatContractError('asyncapi.yaml: channel room has no x-close-codes');
  return { asyncapiText, document: json, clientFrames, closeCodes };
}

let cached: Promise<ChatContract> | undefined;

/** Parses generated/asyncapi.yaml once per process; an invalid document rejects with its diagnostics. */
export function loadChatContract(): Promise<ChatContract> {
  cached ??= parseChatContract(join(projectRoot(), 'generated', 'asyncapi.yaml'));
  return cached;
}
