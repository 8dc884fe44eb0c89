// Interactive messages: the parts reply buttons and lists share (header, body, footer), then the
// action each kind has. Other interactive kinds exist at Meta but are not simulated.
import { invalidValue, unsupportedType, wrongType } from '../errors.js';
import { validateButtonAction } from './buttons.js';
import {
  expectObject,
  onlyKeys,
  optionalObject,
  requiredObject,
  requiredString,
  sub,
  type Obj,
  type ValidationContext,
} from './check.js';
import { validateListAction } from './list.js';
import { validateHeaderMedia } from './media.js';

const INTERACTIVE_KEYS = new Set(['type', 'header', 'body', 'footer', 'action']);
const TEXT_ONLY = new Set(['text']);
const NOT_SIMULATED = new Set([
  'cta_url',
  'flow',
  'product',
  'product_list',
  'catalog_message',
  'call_permission_request',
  'location_request_message',
  'address_message',
  'voice_call',
]);
const HEADER_TYPES = ['text', 'image', 'video', 'document'] as const;
type HeaderType = (typeof HEADER_TYPES)[number];

export function validateInteractive(v: unknown, ctx: ValidationContext): void {
  const inter = expectObject(v, 'interactive');
  onlyKeys(inter, INTERACTIVE_KEYS, 'interactive');
  const kind = inter['type'];
  if (kind !== 'button' && kind !== 'list') {
    if (typeof kind === 'string' && NOT_SIMULATED.has(kind)) {
      throw unsupportedType(`The simulator does not simulate interactive messages of type "${kind}".`);
    }
    requiredString(inter, 'type', 'interactive');
    throw wrongType(sub('interactive', 'type'), 'one of {button, list}');
  }
  validateHeader(inter, kind, ctx);
  // Meta: body text at most 1024 (⚠ the list page says 4096; docs/META.md: enforce 1024).
  validateTextPart(inter, 'body', true, 1024);
  // Meta: footer text at most 60.
  validateTextPart(inter, 'footer', false, 60);
  const action = requiredObject(inter, 'action', 'interactive');
  if (kind === 'button') validateButtonAction(action, sub('interactive', 'action'));
  else validateListAction(action, sub('interactive', 'action'));
}

/** body and footer are objects with a single text. */
function validateTextPart(inter: Obj, key: 'body' | 'footer', required: boolean, maxChars: number): void {
  const part = required ? requiredObject(inter, key, 'interactive') : optionalObject(inter, key, 'interactive');
  if (part === undefined) return;
  const path = sub('interactive', key);
  onlyKeys(part, TEXT_ONLY, path);
  requiredString(part, 'text', path, maxChars);
}

/**
 * Reply buttons: a text (at most 60), image, video or document header.
 * Lists: ⚠ the docs allow a text header only, the spec any; the simulator follows the docs.
 */
function validateHeader(inter: Obj, kind: 'button' | 'list', ctx: ValidationContext): void {
  const header = optionalObject(inter, 'header', 'interactive');
  if (header === undefined) return;
  const path = sub('interactive', 'header');
  const type = header['type'];
  if (typeof type !== 'string' || !(HEADER_TYPES as readonly string[]).includes(type)) {
    requiredString(header, 'type', path);
    throw wrongType(sub(path, 'type'), `one of {${HEADER_TYPES.join(', ')}}`);
  }
  const headerType = type as HeaderType;
  if (kind === 'list' && headerType !== 'text') {
    throw invalidValue(`Param ${sub(path, 'type')} must be text for list messages.`);
  }
  onlyKeys(header, new Set(['type', headerType]), path);
  if (headerType === 'text') requiredString(header, 'text', path, 60);
  else validateHeaderMedia(headerType, header[headerType], sub(path, headerType), ctx);
}
