// Our schema keywords and formats: each module holds a keyword's check and its OpenAPI form.
// flowiqKeywords installs them in Ajv; toOpenApiSchema rewrites a schema for the OpenAPI document.
import type { Plugin } from 'ajv';
import { fileNameFormat, httpUrlFormat } from './formats.js';
import { jsonSize } from './json-size.js';
import { emojiFormat, maxGraphemes, notBlank } from './text.js';
import type { SchemaKeyword } from './types.js';

const KEYWORDS: readonly SchemaKeyword[] = [
  notBlank,
  maxGraphemes,
  jsonSize,
  httpUrlFormat,
  fileNameFormat,
  emojiFormat,
];

/** Our keywords and formats, as an Ajv plugin (Fastify calls it on its own Ajv instance). */
export const flowiqKeywords: Plugin<unknown> = (ajv) => {
  for (const k of KEYWORDS) k.install(ajv);
  return ajv;
};

type Json = unknown;

// Values of these keywords are data (examples, defaults), not schemas: copied, never rewritten.
const DATA_KEYWORDS = new Set(['examples', 'example', 'default', 'const', 'enum']);
// Values of these are maps from names to schemas: a property may be called anything, even maxGraphemes.
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** A deep copy of `schema` with each of our keywords shown as standard OpenAPI. */
export function toOpenApiSchema<T>(schema: T): T {
  return rewrite(schema) as T;
}

function rewrite(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!isObject(node)) return node;
  const own: Record<string, Json> = { ...node };
  for (const k of KEYWORDS) k.toOpenApi(node, own);
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(own)) {
    if (DATA_KEYWORDS.has(key)) out[key] = value;
    else if (SCHEMA_MAPS.has(key) && isObject(value)) out[key] = rewriteEach(value);
    else out[key] = rewrite(value);
  }
  return out;
}

function rewriteEach(map: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(map).map(([name, schema]) => [name, rewrite(schema)]));
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A multipart form a route documents but does not validate (its parts are streamed and checked by
 * the handler, and request.body stays undefined, which a body schema would refuse): put under this
 * key of the route's schema, it becomes the OpenAPI document's multipart/form-data request body.
 */
export const MULTIPART_FORM = 'x-multipart-form';

/** @fastify/swagger's `transform`: each route's schema as OpenAPI should show it. */
export function openApiTransform<S>({ schema, url }: { schema: S; url: string }): { schema: S; url: string } {
  if (schema === undefined || schema === null) return { schema, url };
  const { [MULTIPART_FORM]: form, ...rest } = schema as Record<string, unknown>;
  const shown = form === undefined ? rest : { ...rest, body: { content: { 'multipart/form-data': { schema: form } } } };
  return { schema: toOpenApiSchema(shown) as S, url };
}
