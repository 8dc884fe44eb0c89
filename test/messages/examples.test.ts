import { describe, expect, it } from 'vitest';
import { createAjv } from '../../src/http/ajv.js';
import * as srcExamples from '../../src/messages/examples.js';
import * as messageSchemas from '../../src/messages/schema.js';
import { validateSendRequest } from '../../src/messages/validate.js';
import { DOCUMENT_EXAMPLES, example } from './document-examples.js';

describe("the document's example requests", () => {
  it.each(Object.keys(DOCUMENT_EXAMPLES))('accepts %s', (name) => {
    const body = example(name);
    expect(validateSendRequest(body)).toMatchObject(DOCUMENT_EXAMPLES[name]!);
  });

  it.each(Object.entries(srcExamples))('accepts the OpenAPI example %s', (_name, body) => {
    expect(() => validateSendRequest(structuredClone(body))).not.toThrow();
  });

  it('fills in the reaction emoji 👍 when it is left out', () => {
    const body = example('reaction');
    delete (body['reaction'] as Record<string, unknown>)['emoji'];
    expect(validateSendRequest(body)).toMatchObject({ reaction: { emoji: '👍' } });
  });
});

describe('each message schema on its own', () => {
  const schemas = Object.entries(messageSchemas).filter(([name]) => name.endsWith('Message'));

  it.each(schemas)('%s accepts the examples it shows in OpenAPI', (_name, schema) => {
    const validate = createAjv().compile(schema as object);
    const examples = (schema as { examples?: unknown[] }).examples ?? [];
    expect(examples.length).toBeGreaterThan(0);
    for (const ex of examples) expect(validate(structuredClone(ex)), JSON.stringify(validate.errors)).toBe(true);
  });
});
