// `maxJsonDepth` and `maxJsonBytes`: bounds on a free-form value (a contact's custom_fields).
// OpenAPI has no keyword for them, so the document states them in the field's description.
import { _, str, type CodeKeywordDefinition } from 'ajv';
import type { SchemaKeyword } from './types.js';

/**
 * How deeply `value` nests (a scalar is 0, {} or [] is 1), counted with an explicit stack: a
 * client's JSON may nest thousands deep, and recursing over it (JSON.stringify, a walk) would
 * overflow the call stack. Stops as soon as it passes `limit`.
 */
export function exceedsJsonDepth(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** True when `value` serialised as JSON would take more than `limit` bytes (UTF-8), without recursing. */
export function exceedsJsonBytes(value: unknown, limit: number): boolean {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      bytes += 2 + Math.max(0, entries.length - 1); // brackets and commas
      for (const [key, child] of entries) {
        if (!Array.isArray(v)) bytes += Buffer.byteLength(JSON.stringify(key)) + 1; // "key":
        stack.push(child);
      }
    } else {
      bytes += Buffer.byteLength(JSON.stringify(v) ?? 'null');
    }
    if (bytes > limit) return true;
  }
  return false;
}

function sizeDefinition(
  keyword: 'maxJsonDepth' | 'maxJsonBytes',
  exceeds: (value: unknown, limit: number) => boolean,
): CodeKeywordDefinition {
  return {
    keyword,
    schemaType: 'number',
    error: {
      message: ({ schemaCode }) =>
        keyword === 'maxJsonDepth'
          ? str`must NOT nest more than ${schemaCode} levels deep`
          : str`must NOT be larger than ${schemaCode} bytes as JSON`,
      params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
    },
    code(cxt) {
      const check = cxt.gen.scopeValue('func', { ref: exceeds });
      cxt.fail(_`${check}(${cxt.data}, ${cxt.schemaCode})`);
    },
  };
}

/**
 * `maxJsonDepth: n` (nests at most n objects/arrays deep) and `maxJsonBytes: n` (at most n bytes
 * as JSON), for a free-form value.
 */
export const jsonSize: SchemaKeyword = {
  install(ajv) {
    ajv.addKeyword(sizeDefinition('maxJsonDepth', exceedsJsonDepth));
    ajv.addKeyword(sizeDefinition('maxJsonBytes', exceedsJsonBytes));
  },
  toOpenApi(node, out) {
    const depth = node['maxJsonDepth'];
    const bytes = node['maxJsonBytes'];
    if (typeof depth !== 'number' && typeof bytes !== 'number') return;
    const limits = [
      typeof depth === 'number' ? `nested at most ${depth} levels deep` : '',
      typeof bytes === 'number' ? `at most ${bytes} bytes as JSON` : '',
    ]
      .filter(Boolean)
      .join(', ');
    out['description'] = `${typeof node['description'] === 'string' ? `${node['description']} ` : ''}(${limits})`;
    delete out['maxJsonDepth'];
    delete out['maxJsonBytes'];
  },
};
