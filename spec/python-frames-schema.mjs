// Part of `make generate`: asyncapi.yaml's frame schemas as one JSON Schema, the input of
// datamodel-code-generator for the Python SDK's frames.py. Besides the schemas (under $defs), the unions
// ClientEvent (the `receive` operations: what clients send) and ServerEvent (the `send` operations).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const asyncapi = parse(readFileSync('generated/asyncapi.yaml', 'utf8'));
const defs = JSON.parse(JSON.stringify(asyncapi.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/'));
/** A JSON pointer's target in the document (#/channels/room/messages/join, then #/components/messages/join). */
const at = (ref) => ref.slice(2).split('/').reduce((node, key) => node[key], asyncapi);
const payloadOf = (ref) => {
  let message = at(ref);
  while (message.$ref) message = at(message.$ref);
  return message.payload.$ref.split('/').pop();
};
const unionOf = (action, description) => ({
  description,
  oneOf: Object.values(asyncapi.operations)
    .filter((operation) => operation.action === action)
    .flatMap((operation) => operation.messages.map((message) => ({ $ref: `#/$defs/${payloadOf(message.$ref)}` }))),
});
defs.ClientEvent = unionOf('receive', 'Every frame a client may send.');
defs.ServerEvent = unionOf('send', 'Every frame the server may send.');
process.stdout.write(
  JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'Frames', $defs: defs, anyOf: [{ $ref: '#/$defs/ClientEvent' }, { $ref: '#/$defs/ServerEvent' }] }, null, 2),
);
