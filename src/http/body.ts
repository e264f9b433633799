import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { parse as parseForm } from 'node:querystring';
import contentType from 'content-type';
import iconv from 'iconv-lite';
import typeIs from 'type-is';
import { ApiError } from '../errors.js';

/** The request bodies openapi.yaml declares are JSON; +json types are JSON too. */
export const JSON_TYPES = ['application/json', 'application/*+json'];
/**
 * Content-Type values nearly every client sends, JSON in UTF-8, taken as they are: type-is and content-type
 * would come to the same (a test holds them to it) at about 2 µs a request under load.
 */
export const PLAIN_JSON: ReadonlySet<string> = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8', 'application/json; charset=UTF-8']);
const FORM = 'application/x-www-form-urlencoded';

export interface ReadBody {
  /** undefined without a body; a string when it is not JSON (validation then answers 103, after authorization). */
  body: unknown;
  /** The request's headers, as validation is to see them: a body read as JSON is JSON whatever it was labelled. */
  headers: IncomingHttpHeaders;
}

/** Runs a connect-style middleware (serve-static) as a promise. */
export function runMiddleware(
  middleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  return new Promise((resolve, reject) => middleware(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Read already, by a host app's own body parser ahead of the mount (express.json()): what it parsed is the body. */
const readByHost = (req: IncomingMessage) => req.readableEnded || (req.complete && !req.readable);

/** A failure of reading, with the `type` and `status` raw-body (which read bodies here before) gives its own (app.ts maps them to codes). */
const bodyError = (status: number, type: string, message: string) => Object.assign(new Error(message), { status, type, expose: true });

/**
 * The body readers of one server, bounded by `limit` bytes, with the refusals body-parser makes, of the
 * same types (readBytes).
 * `textTypes` (the contract's x-json-text-media-types) are read as JSON text too: jQuery's
 * `$.post(url, JSON.stringify(...))` (ChitChat's own browser client) sends a JSON string as
 * application/x-www-form-urlencoded, and a bare `fetch` with a string body as text/plain. A form body that
 * is not JSON is read as form fields.
 */
export function bodyReader(limit: number, textTypes: readonly string[]): (req: IncomingMessage) => Promise<ReadBody> {
  // type-is takes an empty list as any type: an empty one must read nothing as JSON text.
  const jsonTextTypes = [...textTypes];

  // One promise from the bytes to the body, rather than an await at each step: the steps before the read
  // answer at once, and each await cost a turn of the microtask queue.
  return (req) => {
    if (!hasBody(req)) return Promise.resolve({ body: undefined, headers: req.headers });
    const plain = PLAIN_JSON.has(req.headers['content-type']!);
    const json = plain || Boolean(typeIs(req, JSON_TYPES));
    if (!json && (!jsonTextTypes.length || !typeIs(req, jsonTextTypes))) return Promise.reject(new ApiError(604, 'Content-Type'));
    if (readByHost(req)) {
      const parsed = (req as { body?: unknown }).body;
      if (json) return Promise.resolve({ body: parsed, headers: req.headers });
      // What a host's parser made of a JSON text type is the body: a form's fields (express.urlencoded(),
      // as this reader reads a form that is not JSON), in an object that may have no prototype, copied.
      if (typeof parsed === 'object' && parsed !== null && !Buffer.isBuffer(parsed)) return Promise.resolve(asJson(req, Array.isArray(parsed) ? parsed : { ...parsed }));
      // In an executor, so that a value String() refuses rejects as any failure does.
      return new Promise((resolve) => resolve(jsonText(req, String(parsed ?? ''))));
    }
    const charset = plain ? 'utf-8' : charsetOf(req) || 'utf-8';
    const refusal = refusalToRead(req, json, charset);
    if (refusal) return Promise.reject(refusal);
    return readBytes(req, limit, (bytes): ReadBody => {
      const text = textOf(bytes, charset);
      if (text === undefined) return { body: undefined, headers: req.headers };
      if (!json) return jsonText(req, text);
      try {
        return { body: JSON.parse(text) as unknown, headers: req.headers };
      } catch {
        // Malformed JSON goes on as text: openapi-backend reports it (103) after authorization, as
        // ChitChat authorized before it read the body.
        return { body: text, headers: req.headers };
      }
    });
  };
}

/** A body of one of the JSON text types: JSON, or form fields when a form is not JSON; validated as JSON. */
function jsonText(req: IncomingMessage, text: string): ReadBody {
  return asJson(req, jsonOrForm(text, typeIs(req, [FORM]) !== false));
}

/** A body validated as JSON, whatever the request labelled it. */
const asJson = (req: IncomingMessage, body: unknown): ReadBody => ({ body, headers: { ...req.headers, 'content-type': 'application/json' } });

/** Why a body in `charset` cannot be read (JSON's must be a UTF), if it cannot. */
function refusalToRead(req: IncomingMessage, json: boolean, charset: string): Error | undefined {
  if ((json && !charset.startsWith('utf-')) || (charset !== 'utf-8' && !iconv.encodingExists(charset))) {
    return bodyError(415, 'charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`);
  }
  // An empty header is no coding, as a missing one.
  if ((req.headers['content-encoding'] || 'identity').toLowerCase() !== 'identity') {
    return bodyError(415, 'encoding.unsupported', 'content encoding unsupported');
  }
  // Not read by a host, yet not readable: the client went while the request waited (a rate limit on Redis,
  // a host's middleware). Nothing is to be answered or logged.
  if (!req.readable) return bodyError(400, 'request.aborted', 'request aborted');
  if (req.readableEncoding) return bodyError(500, 'stream.encoding.set', 'stream encoding should not be set');
  return undefined;
}

/**
 * The body's bytes as text, in `charset` (UTF-8 when the Content-Type names none), or undefined when there
 * is no text: a body of no bytes, or of only a byte order mark, is no body, sent chunked as with
 * Content-Length: 0. Bodies are UTF-8: one that is not is refused (103), not read with U+FFFD in place of
 * what it could not decode, which would store a different text than the client sent.
 */
function textOf(bytes: Buffer, charset: string): string | undefined {
  // Node decodes what is not UTF-8 as U+FFFD: only a text with one needs its bytes checked.
  const utf8 = charset === 'utf-8' ? bytes.toString('utf8') : undefined;
  if ((utf8 === undefined || utf8.includes('\ufffd')) && !isUtf8(bytes)) throw bodyError(400, 'entity.verify.failed', 'the body is not UTF-8');
  let text = utf8 ?? iconv.decode(bytes, charset);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark is not text (iconv drops its own)
  return text || undefined;
}

/**
 * What `read` makes of the request's bytes, at most `limit` of them. A refusal is given once the client has
 * sent the rest (413 while it still sends would reach it as a reset); a request gone before its end is
 * `request.aborted`. What raw-body did here before, with three listeners, none taken off (the request ends
 * with its body), where raw-body added five and took them off again, each through the stream's megamorphic
 * lookups; and in one promise, where resolving one with the bytes and going on in another cost a lookup of
 * `then` along a Buffer's prototypes and a turn of the microtask queue.
 */
function readBytes<T>(req: IncomingMessage, limit: number, read: (bytes: Buffer) => T): Promise<T> {
  const length = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let received = 0;
    let refusal = length !== undefined && length > limit ? bodyError(413, 'entity.too.large', 'request entity too large') : undefined;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (refusal) return;
      if (received > limit) {
        refusal = bodyError(413, 'entity.too.large', 'request entity too large');
        first = chunks = undefined;
      } else if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    });
    let ended = false;
    req.on('end', () => {
      ended = true;
      if (!refusal && length !== undefined && received !== length) refusal = bodyError(400, 'request.size.invalid', 'request size did not match content length');
      if (refusal) return reject(refusal);
      try {
        resolve(read(chunks ? Buffer.concat(chunks, received) : (first ?? Buffer.alloc(0))));
      } catch (err) {
        reject(err);
      }
    });
    // A request that closes before its end is one its client left. Without an 'error' listener Node emits
    // none for it, only 'aborted' and 'close'. The error (and its stack) is made only then, not at every
    // request's close. A request still arriving when the read timeout's 408 is sent gets neither 'end' nor
    // 'close': its promise is left to the collector with it, and nothing is owed.
    req.on('close', () => {
      if (!ended) reject(bodyError(400, 'request.aborted', 'request aborted'));
    });
    // A 'data' listener does not restart a request a host's middleware paused (or unpiped): it is read here now.
    req.resume();
  });
}

/** The charset parameter of the Content-Type, in lower case; '' when there is none or the header does not parse. */
export function charsetOf(req: IncomingMessage): string {
  try {
    return (contentType.parse(req.headers['content-type'] ?? '').parameters.charset ?? '').toLowerCase();
  } catch {
    return '';
  }
}

function jsonOrForm(text: string, form: boolean): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A null-prototype object from querystring: copied, so validation sees an ordinary one.
    return form ? { ...parseForm(text) } : text;
  }
}
