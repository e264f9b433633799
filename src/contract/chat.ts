import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { CHECKED_SCHEMAS, configureAjv } from './ajv.js';
import { projectRoot } from './document.js';

export interface CloseCode {
  code: number;
  reason: string;
}

export type CloseCodeName = 'roomDeleted' | 'tokenRevoked' | 'frameTooLarge' | 'slowReader' | 'flooding' | 'shuttingDown';

export interface ChatContract {
  /** The bundled document as served at /asyncapi.yaml. */
  asyncapiText: string;
  /** The same as the AsyncAPI parser read it at generate time: what the chat mock builds its frames from. */
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
  servers?: Record<string, { host?: string }>;
}
/**
 * The chat contract from the documents as `make generate` left them: generated/asyncapi.yaml as served,
 * and generated/chat-contract.json, the AsyncAPI parser's reading of it (operations with dereferenced
 * payloads and examples, close codes). The parser and its rulesets ran at generate time, where they also
 * refused an invalid document: here there is only data to load (the parser would cost each process some
 * 70 MB it never gives back).
 */
export function readChatContract(dir: string): ChatContract {
  const asyncapiText = readFileSync(join(dir, 'asyncapi.yaml'), 'utf8');
  const json = JSON.parse(readFileSync(join(dir, 'chat-contract.json'), 'utf8')) as ParsedAsyncApi;

  const ajv = configureAjv(new Ajv({ ...CHECKED_SCHEMAS, strict: false, allErrors: true }));
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

/** The chat contract of generated/, read once per process. */
export function loadChatContract(): Promise<ChatContract> {
  cached ??= Promise.resolve().then(() => readChatContract(join(projectRoot(), 'generated')));
  return cached;
}
