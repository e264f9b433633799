// Build-time bridge from the contract to the page: the virtual module `virtual:chitchat-contract` holds
// validators compiled by Ajv from the bundled documents (the same schemas the server validates with),
// the error catalog's sentences for people, and the close codes. Nothing in it is written by hand.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { parse } from 'yaml';
import type { Plugin } from 'vite';

const ID = 'virtual:chitchat-contract';
const RESOLVED = `\0${ID}`;
const documentPath = (name: string) => fileURLToPath(new URL(`../generated/${name}`, import.meta.url));

interface Catalog {
  [code: string]: { message: string; status: number; sentence: string };
}

function contractModule(): string {
  const openapi = parse(readFileSync(documentPath('openapi.yaml'), 'utf8'));
  const asyncapi = parse(readFileSync(documentPath('asyncapi.yaml'), 'utf8'));
  // Formats only annotate these schemas (`password`); the server has the last word on everything anyway.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { source: true, esm: true } });
  ajv.addSchema(openapi, 'openapi');
  ajv.addSchema(asyncapi, 'asyncapi');
  ajv.addSchema({ $ref: 'openapi#/components/schemas/RoomCreate' }, 'roomCreate');
  ajv.addSchema({ $ref: 'asyncapi#/components/schemas/JoinRequest' }, 'joinRequest');
  ajv.addSchema({ $ref: 'asyncapi#/components/schemas/SendRequest' }, 'sendRequest');
  ajv.addSchema({ $ref: 'openapi#/components/schemas/NonPublicVisibility' }, 'nonPublicVisibility');
  // Ajv's "ESM" output still loads its runtime helpers with require(): made imports here.
  const validators = standaloneCode(ajv, {
    validateRoomCreate: 'roomCreate',
    validateJoinRequest: 'joinRequest',
    validateSendRequest: 'sendRequest',
    isNonPublicVisibility: 'nonPublicVisibility',
  }).replace(/const (\w+) = require\("([^"]+)"\)\.default;/g, 'import $1 from "$2";');
  if (validators.includes('require(')) throw new Error('contract-plugin: the standalone validators still call require()');
  const catalog = openapi.components['x-error-catalog'] as Catalog;
  const sentences = Object.fromEntries(Object.entries(catalog).map(([code, entry]) => [code, entry.sentence]));
  const closeCodes = asyncapi.channels.room['x-close-codes'];
  return `${validators}
export const sentences = ${JSON.stringify(sentences)};
export const closeCodes = ${JSON.stringify(closeCodes)};
export const apiVersion = ${JSON.stringify(openapi.info.version)};
`;
}

export function contractPlugin(): Plugin {
  return {
    name: 'chitchat-contract',
    resolveId: (id) => (id === ID ? RESOLVED : undefined),
    load(id) {
      if (id !== RESOLVED) return undefined;
      this.addWatchFile(documentPath('openapi.yaml'));
      this.addWatchFile(documentPath('asyncapi.yaml'));
      return contractModule();
    },
  };
}
