// Our schemas carry keywords only our Ajv knows (src/http/validation.ts). The OpenAPI document
// shows each as the nearest standard keyword, so every OpenAPI tool understands the limits.

type Json = unknown;

// Values of these keywords are data (examples, defaults), not schemas: copied, never rewritten.
const DATA_KEYWORDS = new Set(['examples', 'example', 'default', 'const', 'enum']);
// Values of these are maps from names to schemas: a property may be called anything, even maxGraphemes.
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** One schema node's own keywords, rewritten. */
function rewriteKeywords(node: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = { ...node };
  if (typeof node['maxGraphemes'] === 'number') {
    // Characters as people count them; maxLength is the closest a client can check.
    const current = typeof node['maxLength'] === 'number' ? node['maxLength'] : Infinity;
    out['maxLength'] = Math.min(current, node['maxGraphemes']);
    delete out['maxGraphemes'];
  }
  if ('notBlank' in node) {
    if (node['notBlank'] === true) {
      out['minLength'] = Math.max(typeof node['minLength'] === 'number' ? node['minLength'] : 0, 1);
      out['pattern'] ??= '\\S';
    }
    delete out['notBlank'];
  }
  // Checked by the gateway only; OpenAPI has no keyword for them, so they are said in words.
  if (typeof node['maxJsonDepth'] === 'number' || typeof node['maxJsonBytes'] === 'number') {
    const limits = [
      typeof node['maxJsonDepth'] === 'number' ? `nested at most ${node['maxJsonDepth']} levels deep` : '',
      typeof node['maxJsonBytes'] === 'number' ? `at most ${node['maxJsonBytes']} bytes as JSON` : '',
    ]
      .filter(Boolean)
      .join(', ');
    out['description'] = `${typeof node['description'] === 'string' ? `${node['description']} ` : ''}(${limits})`;
    delete out['maxJsonDepth'];
    delete out['maxJsonBytes'];
  }
  if (node['format'] === 'http-url') {
    out['format'] = 'uri';
    out['pattern'] ??= '^[Hh][Tt][Tt][Pp][Ss]?://';
  }
  return out;
}

/** A deep copy of `schema` with maxGraphemes → maxLength, notBlank → minLength 1, http-url → uri. */
export function toOpenApiSchema<T>(schema: T): T {
  return rewrite(schema) as T;
}

function rewrite(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!isObject(node)) return node;
  const own = rewriteKeywords(node);
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

/** @fastify/swagger's `transform`: each route's schema as OpenAPI should show it. */
export function openApiTransform<S>({ schema, url }: { schema: S; url: string }): { schema: S; url: string } {
  return { schema: schema === undefined || schema === null ? schema : toOpenApiSchema(schema), url };
}
