import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { components } from '../../generated/openapi.js';

export type ErrorCode = components['schemas']['ErrorCode'];

export interface CatalogEntry {
  message: string;
  status: number;
  /** What a user interface tells a person. */
  sentence: string;
}

export interface Contract {
  /** The bundled OpenAPI document, from generated/openapi.json. */
  openapi: OpenAPIV3_1.Document;
  /** The same document as served at /openapi.yaml: generated/openapi.yaml. */
  openapiText: string;
  catalog: ReadonlyMap<ErrorCode, CatalogEntry>;
  /** The media types whose bodies are read as JSON text: every request body's x-json-text-media-types. */
  jsonTextMediaTypes: readonly string[];
}

/**
 * The package's root: the repository, or node_modules/chitchat-api where it is installed. It is the
 * nearest folder above this file that holds the bundled generated/openapi.yaml, whether this runs from
 * src/ or from dist/src/ (dist/generated holds compiled code only).
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'generated', 'openapi.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root (generated/openapi.yaml)');
    dir = parent;
  }
  return dir;
}

function readCatalog(doc: OpenAPIV3_1.Document): Map<ErrorCode, CatalogEntry> {
  const schema = doc.components?.schemas?.ErrorCode as { enum?: number[] } | undefined;
  const entries = (doc.components as { 'x-error-catalog'?: Record<string, CatalogEntry> } | undefined)?.['x-error-catalog'];
  if (!schema?.enum || !entries) throw new Error('openapi: no ErrorCode enum or no components.x-error-catalog');
  const catalog = new Map<ErrorCode, CatalogEntry>();
  for (const code of schema.enum) {
    const entry = entries[String(code)];
    if (!entry) throw new Error(`openapi: error code ${code} has no x-error-catalog entry`);
    catalog.set(code as ErrorCode, entry);
  }
  return catalog;
}

/**
 * The bodies are read before routing, so one list serves every operation: each request body must give the
 * same non-empty list (an empty one would make the body reader take any media type as JSON text).
 */
export function readJsonTextMediaTypes(doc: OpenAPIV3_1.Document): string[] {
  const lists = new Map<string, string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      const body = (operation as { requestBody?: { 'x-json-text-media-types'?: unknown } } | undefined)?.requestBody;
      if (!body) continue;
      const list = body['x-json-text-media-types'];
      if (!Array.isArray(list) || !list.length || !list.every((type) => typeof type === 'string' && type.includes('/'))) {
        throw new Error(`openapi: ${method.toUpperCase()} ${path}: the request body needs x-json-text-media-types, a non-empty list of media types`);
      }
      lists.set(`${method.toUpperCase()} ${path}`, JSON.stringify([...list].map((type: string) => type.toLowerCase()).sort()));
    }
  }
  const distinct = new Set(lists.values());
  if (distinct.size !== 1) throw new Error(`openapi: the request bodies' x-json-text-media-types differ or are missing: ${JSON.stringify(Object.fromEntries(lists))}`);
  return JSON.parse([...distinct][0]!) as string[];
}

let cached: Contract | undefined;

/** Loads the bundled contract once; every module that needs the spec reads it from here. */
export function loadContract(): Contract {
  if (cached) return cached;
  const dir = join(projectRoot(), 'generated');
  const openapiText = readFileSync(join(dir, 'openapi.yaml'), 'utf8');
  // The YAML as JSON, written by `make generate`: a YAML parse here would leave every process ~20 MB larger.
  const openapi = JSON.parse(readFileSync(join(dir, 'openapi.json'), 'utf8')) as OpenAPIV3_1.Document;
  cached = { openapi, openapiText, catalog: readCatalog(openapi), jsonTextMediaTypes: readJsonTextMediaTypes(openapi) };
  return cached;
}
