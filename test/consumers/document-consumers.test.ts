import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import Fastify, { type FastifyReply } from 'fastify';
import openapiGlue from 'fastify-openapi-glue';
import { parse } from 'yaml';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { projectRoot } from '../../src/contract/document.js';

/**
 * Consumers check: the published document as third-party tools read it, unedited, with the tools at their
 * defaults or stricter. A tool refusing it means that tool's users cannot build on the contract.
 */
const readDocument = () => parse(readFileSync(join(projectRoot(), 'generated', 'openapi.yaml'), 'utf8')) as Doc;

type Ref = { $ref: string };
type Media = { example?: unknown; examples?: Record<string, { value: unknown } | Ref> };
type Operation = { operationId: string; requestBody?: { content?: Record<string, unknown> }; responses: Record<string, { content?: Record<string, Media> } | Ref> };
type Doc = { paths: Record<string, Record<string, unknown>>; components: { examples: Record<string, { value: unknown }> } };
interface Answer { status: number; mediaType: string; body: unknown }

const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

function resolve<T>(doc: Doc, node: T | Ref): T {
  if (!node || typeof node !== 'object' || !('$ref' in node)) return node as T;
  const target = node.$ref.slice(2).split('/').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], doc);
  return resolve(doc, target as T | Ref);
}

function operations(doc: Doc): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).filter(([method]) => methods.has(method)).map(([method, op]) => ({ method, path, op: op as Operation })),
  );
}

/** The first example of the first response whose status matches, as the document gives it. */
function answer(doc: Doc, op: Operation, status: (s: string) => boolean): Answer | undefined {
  const found = Object.entries(op.responses).find(([s]) => status(s));
  if (!found) return undefined;
  const [mediaType, media] = Object.entries(resolve(doc, found[1]).content ?? {})[0]!;
  const body = media.examples ? resolve(doc, Object.values(media.examples)[0]!).value : media.example;
  return { status: Number(found[0]), mediaType, body };
}
const success = (doc: Doc, op: Operation) => answer(doc, op, (s) => s.startsWith('2'))!;

const createPublicRoom = readDocument().components.examples.CreatePublicRoom!.value as Record<string, unknown>;
const { title: _title, ...untitledRoom } = createPublicRoom;
const postJson = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The same handful of requests for both tools: valid ones answer their operation's example, invalid ones are refused by the validator. */
const requests: { path: string; init?: RequestInit; status: number; operationId?: string; refused?: RegExp }[] = [
  { path: '/health', status: 200, operationId: 'getHealth' },
  { path: '/chats', init: postJson(createPublicRoom), status: 201, operationId: 'createRoom' },
  { path: '/chats/2', status: 200, operationId: 'getRoom' },
  { path: '/chats?limit=2', status: 200, operationId: 'listRooms' },
  { path: '/chats', init: postJson(untitledRoom), status: 400, refused: /title/ },
  { path: '/chats?limit=0', status: 400, refused: /limit/ },
];

async function exercise(origin: string, doc: Doc, refusals: string[]): Promise<void> {
  const byId = new Map(operations(doc).map(({ op }) => [op.operationId, op]));
  for (const request of requests) {
    const name = `${request.init?.method ?? 'GET'} ${request.path}`;
    const before = refusals.length;
    const response = await fetch(origin + request.path, request.init);
    const body = (await response.json()) as unknown;
    // A document the tool could not load shows up as a 500 on every request, not as an exception.
    expect(response.status, `${name}: ${JSON.stringify(body)}`).toBe(request.status);
    if (request.operationId) expect(body, name).toEqual(success(doc, byId.get(request.operationId)!).body);
    expect(refusals.slice(before), name).toHaveLength(request.refused ? 1 : 0);
    if (request.refused) expect(refusals.at(-1), name).toMatch(request.refused);
  }
}

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

describe('generated/openapi.yaml, read by consumers as published', () => {
  it('express-openapi-validator 5 on express 5, validating requests and responses: loads it, passes the examples, refuses bad input with 400', async () => {
    const doc = readDocument();
    const refusals: string[] = [];
    const app = express();
    app.use(express.json());
    // `as never`: the parsed YAML has no OpenAPI type here; the validator checks the document itself.
    app.use(OpenApiValidator.middleware({ apiSpec: doc as never, validateRequests: true, validateResponses: true }));
    for (const { method, path, op } of operations(doc)) {
      const { status, mediaType, body } = success(doc, op);
      app[method as 'get'](path.replace(/\{(\w+)\}/g, ':$1'), (_req, res) => {
        res.status(status).type(mediaType);
        if (mediaType === 'application/json') res.json(body);
        else res.send(typeof body === 'string' ? body : JSON.stringify(body));
      });
    }
    const onError: ErrorRequestHandler = (err: { status?: number; message: string; errors?: unknown }, _req, res, _next) => {
      refusals.push(err.message);
      res.status(err.status ?? 500).json({ message: err.message, errors: err.errors });
    };
    app.use(onError);

    const server: Server = await new Promise((ok) => {
      const listening = app.listen(0, '127.0.0.1', () => ok(listening));
    });
    closers.push(() => new Promise((ok) => server.close(ok)));
    await exercise(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, doc, refusals);
  }, 30_000);

  it('fastify-openapi-glue 4 on fastify 5 with Ajv strict: every schema compiles with no Ajv warning, passes the examples, refuses bad input with 400', async () => {
    const doc = readDocument();
    const refusals: string[] = [];
    const ajvMessages: string[] = [];
    const record = (...args: unknown[]) => ajvMessages.push(args.map(String).join(' '));
    const logLines: string[] = [];
    const app = Fastify({
      ajv: { customOptions: { strict: true, logger: { log: () => undefined, warn: record, error: record } } },
      logger: { level: 'warn', stream: { write: (line: string) => logLines.push(line) } },
    });
    closers.push(() => app.close());

    const ops = operations(doc);
    const serviceHandlers = Object.fromEntries(
      ops.map(({ op }) => {
        const { status, mediaType, body } = success(doc, op);
        const handler = async (_request: unknown, reply: FastifyReply) => {
          reply.code(status).type(mediaType);
          return body;
        };
        return [op.operationId, handler];
      }),
    );
    // Fastify serializes an error reply with the route's response schema for its status, so its default
    // error body (statusCode, code, error, message) breaks the document's ErrorResponse and becomes a 500.
    // A consumer answers the contract's error shape instead: here, the document's own example for that status.
    app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
      refusals.push(error.message);
      const status = error.statusCode ?? 500;
      const operationId = (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId;
      const op = ops.find((o) => o.op.operationId === operationId)?.op;
      const example = op && answer(doc, op, (s) => s === String(status));
      return reply.code(status).send(example ? example.body : { message: error.message });
    });

    // The glue reports why it refuses a document only on the console; its exception just says it refused.
    const consoleLog = vi.spyOn(console, 'log');
    try {
      await app.register(openapiGlue, { specification: doc, serviceHandlers });
      await app.ready();
    } catch (error) {
      throw new Error(`${String(error)}\n${consoleLog.mock.calls.map((call) => call.join(' ')).join('\n')}`);
    } finally {
      consoleLog.mockRestore();
    }
    expect(ajvMessages).toEqual([]);
    // The glue warns of a missing body parser for every media type in the document, responses' included;
    // only one that a request body declares would be a problem.
    const requestTypes = new Set(ops.flatMap(({ op }) => Object.keys(op.requestBody?.content ?? {})));
    const warnings = logLines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    const harmless = (msg: string) => {
      const type = /^ContentTypeParser for '(.+)' not found$/.exec(msg)?.[1];
      return type !== undefined && !requestTypes.has(type);
    };
    expect(warnings.filter((msg) => !harmless(msg))).toEqual([]);

    await app.listen({ host: '127.0.0.1', port: 0 });
    await exercise(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, doc, refusals);
  }, 30_000);
});
