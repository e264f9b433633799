import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { Ajv, type ValidateFunction } from 'ajv';
import { configureAjv } from './ajv.js';
import { projectRoot } from './document.js';

export interface CloseCode {
  code: number;
  reason: string;
}

export type CloseCodeName = 'roomDeleted' | 'tokenRevoked' | 'frameTooLarge' | 'slowReader' | 'shuttingDown';

export interface ChatContract {
  document: AsyncAPIDocumentInterface;
  /** The bundled document as served at /asyncapi.yaml. */
  asyncapiText: string;
  /** A validator for each frame a client may send, by its `event_type`. */
  clientFrames: ReadonlyMap<string, ValidateFunction>;
  closeCodes: Readonly<Record<CloseCodeName, CloseCode>>;
}

export class ChatContractError extends Error {}

/** Parses and checks an AsyncAPI document; exported for tests, the server uses `loadChatContract`. */
export async function parseChatContract(source: string): Promise<ChatContract> {
  const asyncapiText = readFileSync(source, 'utf8');
  const { document, diagnostics } = await new Parser().parse(asyncapiText, { source });
  const errors = diagnostics.filter((d) => d.severity === 0);
  if (!document || errors.length) {
    const details = errors.map((d) => `${d.message} at ${d.path.join('.') || '/'}`).join('; ');
    throw new ChatContractError(`asyncapi.yaml is not a valid AsyncAPI document: ${details}`);
  }

  const ajv = configureAjv(new Ajv({ strict: false, allErrors: true, verbose: true }));
  const clientFrames = new Map<string, ValidateFunction>();
  for (const operation of document.operations().all().filter((op) => op.action() === 'receive')) {
    for (const message of operation.messages().all()) {
      const schema = message.payload()?.json() as { properties?: { event_type?: { const?: string } } } | undefined;
      const eventType = schema?.properties?.event_type?.const;
      if (!schema || !eventType) throw new ChatContractError(`asyncapi.yaml: message ${message.id()} has no event_type const`);
      clientFrames.set(eventType, ajv.compile(schema));
    }
  }

  const closeCodes = document.channels().get('room')?.extensions().get('x-close-codes')?.value() as
    | Record<CloseCodeName, CloseCode>
    | undefined;
  if (!closeCodes) throw new ChatContractError('asyncapi.yaml: channel room has no x-close-codes');
  return { document, asyncapiText, clientFrames, closeCodes };
}

let cached: Promise<ChatContract> | undefined;

/** Parses generated/asyncapi.yaml once per process; an invalid document rejects with its diagnostics. */
export function loadChatContract(): Promise<ChatContract> {
  cached ??= parseChatContract(join(projectRoot(), 'generated', 'asyncapi.yaml'));
  return cached;
}
