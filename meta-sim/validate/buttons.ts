// Reply buttons' action (docs/META.md §1): 1–3 buttons {type:"reply", reply:{id ≤256, title ≤20}},
// ids and titles unique.
import { invalidValue } from '../errors.js';
import {
  expectObject,
  onlyKeys,
  requiredArray,
  requiredLiteral,
  requiredObject,
  requiredString,
  sub,
  type Obj,
} from './check.js';

const ACTION_KEYS = new Set(['buttons']);
const BUTTON_KEYS = new Set(['type', 'reply']);
const REPLY_KEYS = new Set(['id', 'title']);

export function validateButtonAction(action: Obj, path: string): void {
  onlyKeys(action, ACTION_KEYS, path);
  const buttons = requiredArray(action, 'buttons', path, 1, 3);
  const ids = new Set<string>();
  const titles = new Set<string>();
  buttons.forEach((b, i) => {
    const buttonPath = sub(sub(path, 'buttons'), i);
    const { id, title } = validateButton(b, buttonPath);
    const replyPath = sub(buttonPath, 'reply');
    if (ids.has(id)) throw invalidValue(`Param ${sub(replyPath, 'id')} must be unique: "${id}" is used twice.`);
    if (titles.has(title))
      throw invalidValue(`Param ${sub(replyPath, 'title')} must be unique: "${title}" is used twice.`);
    ids.add(id);
    titles.add(title);
  });
}

function validateButton(v: unknown, path: string): { id: string; title: string } {
  const button = expectObject(v, path);
  onlyKeys(button, BUTTON_KEYS, path);
  requiredLiteral(button, 'type', path, ['reply']);
  const reply = requiredObject(button, 'reply', path);
  const replyPath = sub(path, 'reply');
  onlyKeys(reply, REPLY_KEYS, replyPath);
  const id = requiredString(reply, 'id', replyPath, 256);
  // Meta: "No leading/trailing spaces" in a button id.
  if (id.trim() !== id) throw invalidValue(`Param ${sub(replyPath, 'id')} must not start or end with spaces.`);
  const title = requiredString(reply, 'title', replyPath, 20);
  return { id, title };
}
