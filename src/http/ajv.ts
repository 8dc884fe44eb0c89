// The Ajv that validates every route: Fastify's own instance, built with these options and our
// keywords (http/keywords/), and the same setup for validating outside a route.
import { Ajv, type Options as AjvOptions, type Plugin } from 'ajv';
import ajvFormats from 'ajv-formats';
import { flowiqKeywords } from './keywords/index.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module, whose .default is the
// plugin. Its options type is narrower than Fastify's Plugin<unknown>; it is called without options.
const formatsPlugin = ajvFormats.default as Plugin<unknown>;

const customOptions = {
  // Errors from the branch message_type names only (oneOf + discriminator).
  discriminator: true,
  // "5" is not a number and 5 is not a string: the API contract's types are JSON types.
  coerceTypes: false,
  // One error is enough to answer, and allErrors lets a crafted body make Ajv work much harder.
  allErrors: false,
  // An unknown field is an error to report, never something to drop silently.
  removeAdditional: false,
  // reaction.emoji defaults to 👍.
  useDefaults: true,
  // Ajv's optimisation pass counts the generated code's variables (data3, _errs12, valid7, …) in
  // plain objects, one distinct first key per variable. In V8 each adds a transition to the empty
  // object's hidden class, which holds at most 1,536; compiling our routes' schemas filled it,
  // and until a full GC cleared the dead ones every `{}` built per request (Node's request
  // headers, undici's response headers) got a new hidden class: ~+17% instructions per send
  // (docs/PERFORMANCE.md, 2026-12-04, "empty object's transitions"). Without the pass the
  // validators are the same checks, only less tidy: ~1k instructions per send.
  code: { optimize: false },
} satisfies AjvOptions;

/** Exactly what buildApp passes as Fastify's `ajv` option. */
export const ajvOptions: { customOptions: AjvOptions; plugins: Plugin<unknown>[] } = {
  customOptions,
  // Listing ajv-formats here (by its name, formatsPlugin) stops Fastify adding it a second time.
  plugins: [formatsPlugin, flowiqKeywords],
};

/** An Ajv instance built the way Fastify builds its own, for validating outside a route. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ addUsedSchema: false, ...ajvOptions.customOptions });
  for (const plugin of ajvOptions.plugins) plugin(ajv);
  return ajv;
}
