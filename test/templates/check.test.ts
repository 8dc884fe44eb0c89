// templates/check.ts, table-driven: a send (Meta's components form, as to-graph spells out the short
// form) against what a template expects, and the exact mismatches it reports.
import { describe, expect, it } from 'vitest';
import { checkTemplateSend, templateTexts } from '../../src/templates/check.js';
import { expectationOf } from '../../src/templates/params.js';
import { templateComponents } from '../../src/messages/to-graph/template.js';
import type { TemplateMessage } from '../../src/messages/template-schema.js';

type Short = Omit<TemplateMessage['template'], 'name' | 'language'>;

const POSITIONAL = expectationOf([
  { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
  { type: 'BODY', text: 'Hi {{1}}, your order {{2}} ships today.' },
  {
    type: 'BUTTONS',
    buttons: [
      { type: 'QUICK_REPLY', text: 'Cancel' },
      { type: 'URL', text: 'Track', url: 'https://shop.example/track/{{1}}' },
      { type: 'COPY_CODE', text: 'Copy code' },
      { type: 'URL', text: 'Shop', url: 'https://shop.example' },
    ],
  },
]);

const NAMED = expectationOf(
  [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{order_id}}' },
    { type: 'BODY', text: 'Hi {{first_name}}, it arrives {{day}}.' },
  ],
  'NAMED',
);

const IMAGE = expectationOf([
  { type: 'HEADER', format: 'IMAGE' },
  { type: 'BODY', text: 'New in!' },
]);
const PLAIN = expectationOf([{ type: 'BODY', text: 'Thanks for your order.' }]);

const check = (short: Short, exp = POSITIONAL, texts = {}) =>
  checkTemplateSend(
    templateComponents(
      { name: 't', language: 'en', ...short },
      exp.parameterFormat === 'NAMED' && exp.header ? { headerParamName: exp.header.params[0]! } : {},
    ),
    exp,
    texts,
  ).map((m) => m.message);

const OK_POSITIONAL: Short = {
  header: { text: '42' },
  body: ['Jessica', '42'],
  buttons: [
    { index: 1, url_suffix: '42' },
    { index: 2, coupon_code: 'SAVE10' },
  ],
};

describe('checkTemplateSend', () => {
  it.each<[string, Short, ReturnType<typeof expectationOf>]>([
    ['positional, with required buttons', OK_POSITIONAL, POSITIONAL],
    [
      'positional, with an optional quick-reply payload',
      { ...OK_POSITIONAL, buttons: [...OK_POSITIONAL.buttons!, { index: 0, payload: 'X' }] },
      POSITIONAL,
    ],
    ['named, by name in any order', { header: { text: '42' }, body: { day: 'Friday', first_name: 'Jessica' } }, NAMED],
    ['an image header', { header: { image: { url: 'https://example.com/a.jpg' } } }, IMAGE],
    ['no variables at all', {}, PLAIN],
    [
      'currency and date_time count as body parameters',
      {
        header: { text: '1' },
        body: [
          { currency: { fallback_value: '$1', code: 'USD', amount_1000: 1000 } },
          { date_time: { fallback_value: 'today' } },
        ],
        buttons: OK_POSITIONAL.buttons!,
      },
      POSITIONAL,
    ],
  ])('accepts %s', (_name, short, exp) => {
    expect(check(short, exp)).toEqual([]);
  });

  it.each<[string, Short, ReturnType<typeof expectationOf>, string[]]>([
    [
      'too few body parameters',
      { ...OK_POSITIONAL, body: ['Jessica'] },
      POSITIONAL,
      ['body expects 2 parameters ({{1}}, {{2}}), got 1'],
    ],
    [
      'too many body parameters',
      { ...OK_POSITIONAL, body: ['a', 'b', 'c'] },
      POSITIONAL,
      ['body expects 2 parameters ({{1}}, {{2}}), got 3'],
    ],
    [
      'no body for a body with variables',
      { ...OK_POSITIONAL, body: [] },
      POSITIONAL,
      ['body expects 2 parameters ({{1}}, {{2}}), got none'],
    ],
    [
      'body parameters where the text has none',
      { body: ['x'] },
      PLAIN,
      ['body expects no parameters (its text has no variables), got 1'],
    ],
    [
      'a named body for a positional template',
      { ...OK_POSITIONAL, body: { a: 'x', b: 'y' } },
      POSITIONAL,
      ['body expects positional parameters ({{1}}, {{2}}) without names, got named parameters (a, b)'],
    ],
    [
      'a positional body for a named template',
      { header: { text: '42' }, body: ['Jessica', 'Friday'] },
      NAMED,
      ['body expects named parameters ({{first_name}}, {{day}}), got 2 parameters without a name'],
    ],
    [
      'a missing name',
      { header: { text: '42' }, body: { first_name: 'Jessica' } },
      NAMED,
      ['body expects the parameters {{first_name}}, {{day}}, got no {{day}}'],
    ],
    [
      'a wrong name',
      { header: { text: '42' }, body: { first_name: 'Jessica', days: 'Friday' } },
      NAMED,
      ['body expects the parameters {{first_name}}, {{day}}, got no {{day}} and {{days}}, which it does not have'],
    ],
    [
      'no header parameter',
      { ...OK_POSITIONAL, header: undefined },
      POSITIONAL,
      ['header expects 1 text parameter ({{1}}), got none'],
    ],
    [
      'a header where there is none',
      { header: { text: 'x' } },
      PLAIN,
      ['header expects no parameter (the template has no header), got a text parameter'],
    ],
    [
      'a video for an image header',
      { header: { video: { url: 'https://example.com/a.mp4' } } },
      IMAGE,
      ['header expects an image, got a video'],
    ],
    ['no media for an image header', {}, IMAGE, ['header expects an image, got none']],
    ['text for an image header', { header: { text: 'x' } }, IMAGE, ['header expects an image, got a text']],
    [
      'no URL suffix',
      { ...OK_POSITIONAL, buttons: [{ index: 2, coupon_code: 'SAVE10' }] },
      POSITIONAL,
      ['button 1 expects a URL suffix for {{1}} (it is a URL button), got none'],
    ],
    [
      'no coupon code',
      { ...OK_POSITIONAL, buttons: [{ index: 1, url_suffix: '42' }] },
      POSITIONAL,
      ['button 2 expects a coupon code (it is a COPY_CODE button), got none'],
    ],
    [
      'a payload on a URL button',
      {
        ...OK_POSITIONAL,
        buttons: [
          { index: 1, payload: 'X' },
          { index: 2, coupon_code: 'S' },
        ],
      },
      POSITIONAL,
      ['button 1 expects a URL suffix for {{1}} (it is a URL button), got a quick-reply payload'],
    ],
    [
      'a suffix on a URL without a variable',
      { ...OK_POSITIONAL, buttons: [...OK_POSITIONAL.buttons!, { index: 3, url_suffix: 'x' }] },
      POSITIONAL,
      ['button 3 expects no parameter (it is a URL button whose URL has no variable), got a URL suffix'],
    ],
    [
      'a button the template does not have',
      { ...OK_POSITIONAL, buttons: [...OK_POSITIONAL.buttons!, { index: 7, payload: 'x' }] },
      POSITIONAL,
      ['button 7 expects nothing (the template has 4 buttons, index 0 to 3), got a quick-reply payload'],
    ],
  ])('reports %s', (_name, short, exp, messages) => {
    expect(check(short, exp)).toEqual(messages);
  });

  it('names a named header by the name given in Meta’s components form', () => {
    const sent = [
      { type: 'header' as const, parameters: [{ type: 'text' as const, text: '42', parameter_name: 'order' }] },
      {
        type: 'body' as const,
        parameters: [
          { type: 'text' as const, text: 'J', parameter_name: 'first_name' },
          { type: 'text' as const, text: 'F', parameter_name: 'day' },
        ],
      },
    ];
    expect(checkTemplateSend(sent, NAMED).map((m) => m.message)).toEqual([
      'header expects the parameters {{order_id}}, got no {{order_id}} and {{order}}, which it does not have',
    ]);
  });

  it('reports every mismatch at once, each with its component and expectation', () => {
    const found = checkTemplateSend(templateComponents({ name: 't', language: 'en', body: ['x'] }), POSITIONAL);
    expect(found.map((m) => m.component)).toEqual(['header', 'body', 'button 1', 'button 2']);
    expect(found[1]).toEqual({
      component: 'body',
      expected: '2 parameters ({{1}}, {{2}})',
      got: '1',
      message: 'body expects 2 parameters ({{1}}, {{2}}), got 1',
    });
  });

  it('refuses a body longer than 1024 characters once filled in (Meta’s 132005)', () => {
    const texts = templateTexts([
      { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
      { type: 'BODY', text: 'Hi {{1}}, your order {{2}} ships today.' },
    ]);
    expect(check({ ...OK_POSITIONAL, body: ['J'.repeat(497), '4'.repeat(498)] }, POSITIONAL, texts)).toEqual([]);
    expect(check({ ...OK_POSITIONAL, body: ['J'.repeat(600), '4'.repeat(500)] }, POSITIONAL, texts)).toEqual([
      'body expects at most 1024 characters with its variables filled in, got 1129',
    ]);
    expect(check({ ...OK_POSITIONAL, header: { text: 'x'.repeat(55) } }, POSITIONAL, texts)).toEqual([
      'header expects at most 60 characters with its variable filled in, got 61',
    ]);
  });
});
