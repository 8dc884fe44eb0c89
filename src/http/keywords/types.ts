import type { Ajv } from 'ajv';

/**
 * One of our schema keywords or formats: how Ajv checks it, and how the OpenAPI document shows it
 * (as the nearest standard keyword, so every OpenAPI tool understands the limit).
 */
export interface SchemaKeyword {
  install(ajv: Ajv): void;
  /** Rewrites `out`, a copy of the schema node `node`, in place. */
  toOpenApi(node: Readonly<Record<string, unknown>>, out: Record<string, unknown>): void;
}
