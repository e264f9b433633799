import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { parse as parseForm } from 'node:querystring';
import bodyParser from 'body-parser';
import typeIs from 'type-is';
import { ApiError } from '../errors.js';

/** The request bodies openapi.yaml declares are JSON; +json types are JSON too. */
const JSON_TYPES = ['application/json', 'application/*+json'];
const FORM = 'application/x-www-form-urlencoded';

export interface ReadBody {
  /** undefined without a body; a string when it is not JSON (validation then answers 103, after authorization). */
  body: unknown;
  /** The request's headers, as validation is to see them: a body read as JSON is JSON whatever it was labelled. */
  headers: IncomingHttpHeaders;
}

/** Runs a connect-style middleware (body-parser, serve-static) as a promise. */
export function runMiddleware(
  middleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  return new Promise((resolve, reject) => middleware(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}

const alreadyMatched = () => true;

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The body readers of one server, bounded by `limit` bytes; their failures are thrown as body-parser makes them.
 * `textTypes` (the contract's x-json-text-media-types) are read as JSON text too: jQuery's
 * `$.post(url, JSON.stringify(...))` (ChitChat's own browser client) sends a JSON string as
 * application/x-www-form-urlencoded, and a bare `fetch` with a string body as text/plain. A form body that
 * is not JSON is read as form fields.
 */
export function bodyReader(limit: number, textTypes: readonly string[]): (req: IncomingMessage, res: ServerResponse) => Promise<ReadBody> {
  // type-is takes an empty list as any type: an empty one must read nothing as JSON text.
  const jsonTextTypes = [...textTypes];
  // Each reader runs only once the request's type is known to be its own (below): matching it again in
  // body-parser would be the same answer, bought again.
  const readJson = bodyParser.json({ limit, strict: false, type: alreadyMatched, inflate: false, verify: verifyBytes });
  const readText = bodyParser.text({ limit, type: alreadyMatched, inflate: false, defaultCharset: 'utf-8', verify: verifyBytes });

  return async (req, res) => {
    const noBody = { body: undefined, headers: req.headers };
    if (!hasBody(req)) return noBody;
    if (typeIs(req, JSON_TYPES)) {
      try {
        await runMiddleware(readJson, req, res);
        return { body: (req as { body?: unknown }).body, headers: req.headers };
      } catch (err) {
        // Malformed JSON goes on as text: openapi-backend reports it (103) after authorization, as
        // ChitChat authorized before it read the body.
        const failure = err as { type?: string; body?: string };
        if (failure.type === EMPTY) return noBody;
        if (failure.type !== 'entity.parse.failed') throw err;
        return { body: failure.body ?? '', headers: req.headers };
      }
    }
    if (!jsonTextTypes.length || !typeIs(req, jsonTextTypes)) throw new ApiError(604, 'Content-Type');
    try {
      await runMiddleware(readText, req, res);
    } catch (err) {
      if ((err as { type?: string }).type === EMPTY) return noBody;
      throw err;
    }
    const text = String((req as { body?: unknown }).body ?? '');
    return { body: jsonOrForm(text, typeIs(req, [FORM]) !== false), headers: { ...req.headers, 'content-type': 'application/json' } };
  };
}

/** What verifyBytes throws for a body of no bytes, which is read as none. */
const EMPTY = 'entity.empty';

/**
 * Bodies are UTF-8: one that is not is refused (103), not read with U+FFFD in place of what it could not
 * decode, which would store a different text than the client sent. A body of no bytes is no body, sent
 * chunked as with Content-Length: 0 (body-parser would read an empty JSON body as {}, a form as no fields).
 */
function verifyBytes(_req: IncomingMessage, _res: ServerResponse, body: Buffer): void {
  if (!body.length) throw Object.assign(new Error('the body is empty'), { type: EMPTY, status: 400, expose: true });
  if (!isUtf8(body)) throw Object.assign(new Error('the body is not UTF-8'), { type: 'entity.verify.failed', status: 400, expose: true });
}

function jsonOrForm(text: string, form: boolean): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A null-prototype object from querystring: copied, so validation sees an ordinary one.
    return form ? { ...parseForm(text) } : text;
  }
}
