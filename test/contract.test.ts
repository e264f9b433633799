import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configureAjv } from '../src/contract/ajv.js';
import { OpenAPI31Backend } from '../src/contract/backend.js';
import { readChatContract } from '../src/contract/chat.js';
import { loadContract, projectRoot, readJsonTextMediaTypes } from '../src/contract/document.js';
import { loadAsyncApiDocument } from './support/asyncapi.js';

/** The documents are consistent with themselves: examples match schemas, error examples match the catalog. */
const contract = loadContract();
const backend = new OpenAPI31Backend({
  definition: structuredClone(contract.openapi) as never,
  strict: true,
  customizeAjv: (ajv) => configureAjv(ajv),
});
await backend.init();

type Media = { examples?: Record<string, { value: unknown }> };
const operations = backend.getOperations();

describe('the documents the server loads', () => {
  it('are the served ones: openapi.json is openapi.yaml, and the chat contract names asyncapi.yaml\'s example host', () => {
    expect(contract.openapi).toEqual(parse(contract.openapiText));
    const asyncapi = parse(readFileSync(join(projectRoot(), 'generated', 'asyncapi.yaml'), 'utf8')) as { servers: { local: { host: string } } };
    expect(readChatContract(join(projectRoot(), 'generated')).document.servers?.local?.host).toBe(asyncapi.servers.local.host);
  });
});

describe('both documents, as strict validators read them', () => {
  it.each(['openapi', 'asyncapi'])('%s.yaml: every schema compiles under Ajv strict mode, with no warning', async (name) => {
    const doc = parse(readFileSync(join(projectRoot(), 'generated', `${name}.yaml`), 'utf8')) as { components: { schemas: Record<string, unknown> } };
    const warnings: string[] = [];
    const logger = { log: () => undefined, warn: (m: unknown) => warnings.push(String(m)), error: (m: unknown) => warnings.push(String(m)) };
    const ajv = configureAjv(new Ajv2020({ strict: true, allErrors: true, logger }));
    // The schemas as one JSON Schema: their references point into $defs instead of components.
    const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/')) as Record<string, unknown>;
    ajv.addSchema({ $id: name, $defs: defs });
    for (const schema of Object.keys(defs)) expect(() => ajv.compile({ $ref: `${name}#/$defs/${schema}` }), schema).not.toThrow();
    expect(warnings).toEqual([]);
  });
});

describe('openapi.yaml', () => {
  it('gives every error code a response names its own example, and a refused body the 105 example first (what a mock answers)', () => {
    for (const op of operations) {
      for (const [status, response] of Object.entries(op.responses ?? {}) as [string, { description?: string; content?: Record<string, Media> }][]) {
        if (Number(status) < 400) continue;
        const named = [...(response.description ?? '').matchAll(/\((\d{3})\)/g)].map((m) => Number(m[1]));
        const examples = Object.values(response.content?.['application/json']?.examples ?? {}).map((e) => (e.value as { error: { code: number } }).error.code);
        for (const code of named) expect(examples, `${op.operationId} ${status}: no example for ${code}`).toContain(code);
        if (status === '400' && op.requestBody) expect(examples[0], `${op.operationId} 400: first example`).toBe(105);
      }
    }
  });

  it('gives every operation an operationId, a summary and at least one documented error', () => {
    for (const op of operations) {
      expect(op.operationId, `${op.method} ${op.path}`).toBeTruthy();
      expect(op.summary, op.operationId).toBeTruthy();
      expect(Object.keys(op.responses ?? {}).some((s) => Number(s) >= 400), op.operationId).toBe(true);
    }
  });

  it('has an example for every response and every request body, each valid against its schema', () => {
    let checked = 0;
    for (const op of operations) {
      for (const [status, response] of Object.entries(op.responses ?? {}) as [string, { content?: Record<string, Media> }][]) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          const examples = Object.entries(media.examples ?? {});
          expect(examples.length, `${op.operationId} ${status} ${type} has no example`).toBeGreaterThan(0);
          if (type !== 'application/json') continue;
          for (const [name, example] of examples) {
            const result = backend.validator.validateResponse(example.value, op.operationId!, Number(status));
            expect(result.errors, `${op.operationId} ${status} example ${name}`).toBeNull();
            checked++;
          }
        }
      }
      const body = (op.requestBody as { content?: Record<string, Media> } | undefined)?.content?.['application/json'];
      if (!body) continue;
      const examples = Object.entries(body.examples ?? {});
      expect(examples.length, `${op.operationId} request body has no example`).toBeGreaterThan(0);
      for (const [name, example] of examples) {
        const result = backend.validator.validateRequest(
          { method: op.method, path: op.path.replace('{roomId}', '2'), headers: { 'content-type': 'application/json' }, body: example.value as never },
          op.operationId!,
        );
        expect(result.errors, `${op.operationId} request example ${name}`).toBeNull();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('gives every error example the message and HTTP status that the catalog gives its code', () => {
    for (const op of operations) {
      for (const [status, response] of Object.entries(op.responses ?? {}) as [string, { content?: Record<string, Media> }][]) {
        for (const [name, example] of Object.entries(response.content?.['application/json']?.examples ?? {})) {
          const error = (example.value as { error?: { code: number; error: string } }).error;
          if (!error) continue;
          const entry = contract.catalog.get(error.code as never);
          expect(entry, `${op.operationId} ${name}: code ${error.code} not in catalog`).toBeDefined();
          expect(error.error, `${op.operationId} ${name}`).toBe(entry!.message);
          expect(String(entry!.status), `${op.operationId} ${name}`).toBe(status);
        }
      }
    }
  });

  it('keeps ChitChat codes, messages and statuses unchanged', () => {
    const chitchat: [number, string, number][] = [
      [101, 'Room error: Room not found', 404],
      [102, 'Room error: Duplicate room', 400],
      [103, 'Room error: Invalid JSON', 400],
      [104, 'Room error: Unauthorized operation', 401],
      [105, 'Room error: Invalid content', 400],
      [201, 'Client error: User not found', 404],
      [202, 'Client error: Duplicate username', 400],
      [203, 'Client error: Invalid JSON', 400],
      [204, 'Client error: Unauthorized operation', 401],
      [301, 'Could not establish session', 400],
      [303, 'Invalid JSON', 400],
      [304, 'Unauthorized operation', 401],
      [305, 'Unsupported client device', 400],
      [401, 'Token error: Invalid signature', 401],
      [402, 'Token error: Unauthorized signing method', 401],
      [403, 'Token error: Invalid token', 403],
    ];
    for (const [code, message, status] of chitchat) {
      expect(contract.catalog.get(code as never), String(code)).toMatchObject({ message, status });
    }
  });

  it('has a sentence for people for every code, for the chat page and any other interface', () => {
    for (const [code, entry] of contract.catalog) {
      expect(entry.sentence, String(code)).toMatch(/^[A-Z].{10,}[.]$/);
    }
  });
});

describe('asyncapi.yaml', () => {
  it('has examples for every message, each valid against its payload schema, error examples matching the catalog', async () => {
    const document = await loadAsyncApiDocument();
    const ajv = configureAjv(new Ajv({ strict: false, allErrors: true }));
    let checked = 0;
    for (const message of document.messages().all()) {
      const validate = ajv.compile(message.payload()!.json());
      const examples = message.examples().all();
      expect(examples.length, `message ${message.id()} has no example`).toBeGreaterThan(0);
      for (const example of examples) {
        const payload = example.payload() as { error?: { code: number; error: string } };
        expect(validate(payload), `${message.id()} example ${example.name()}: ${JSON.stringify(validate.errors)}`).toBe(true);
        if (payload.error) expect(payload.error.error).toBe(contract.catalog.get(payload.error.code as never)?.message);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it('stops `make generate` with a clear message when the document is invalid, so that no server reads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asyncapi-'));
    const broken = join(dir, 'asyncapi.yaml');
    writeFileSync(broken, 'asyncapi: 3.1.0\ninfo:\n  title: broken\nchannels:\n  room:\n    address: 42\n');
    const generating = promisify(execFile)(process.execPath, ['spec/generate-asyncapi-types.mjs', '--source', broken, '--out', dir], { cwd: projectRoot() });
    await expect(generating).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^asyncapi\.yaml: .+ at .+/m) });
    expect(existsSync(join(dir, 'chat-contract.json'))).toBe(false);
  });

  it('loads the chat contract as data: a validator per client frame, and every close code', () => {
    const chat = readChatContract(join(projectRoot(), 'generated'));
    expect([...chat.clientFrames.keys()].sort()).toEqual(['join', 'leave', 'send']);
    expect(chat.clientFrames.get('send')!({ event_type: 'send', name: 'a', msg: 'hi' })).toBe(true);
    expect(chat.clientFrames.get('send')!({ event_type: 'send', name: 'a' })).toBe(false);
    expect(Object.keys(chat.closeCodes).sort()).toEqual(['flooding', 'frameTooLarge', 'roomDeleted', 'shuttingDown', 'slowReader', 'tokenRevoked']);
  });
});

describe('x-json-text-media-types', () => {
  const withBodies = (...lists: unknown[]) =>
    ({ paths: Object.fromEntries(lists.map((list, i) => [`/p${i}`, { post: { requestBody: list === undefined ? {} : { 'x-json-text-media-types': list } } }])) }) as never;

  it('is the one list every request body of openapi.yaml gives', () => {
    expect(loadContract().jsonTextMediaTypes).toEqual(['application/x-www-form-urlencoded', 'text/plain']);
  });

  it.each([
    ['a body without the list', [undefined]],
    ['an empty list, which would read any media type as JSON text', [[]]],
    ['lists that differ, while the body is read before routing', [['text/plain'], ['text/plain', 'application/x-www-form-urlencoded']]],
  ])('refuses %s', (_name, lists) => {
    expect(() => readJsonTextMediaTypes(withBodies(...lists))).toThrow(/x-json-text-media-types/);
  });
});
