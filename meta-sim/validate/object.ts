// JSON objects as the validators and the template parser read them; a module of its own so that the
// template parser needs nothing else of validate/ (validate/check.ts reads the parsed templates).
export type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
