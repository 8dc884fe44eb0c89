import { describe, expect, it } from 'vitest';
import { expectationOf, variablesOf } from '../../src/templates/params.js';

describe('expectationOf', () => {
  it('reads a positional template: text header, body numbers ascending, buttons by index', () => {
    const components = [
      { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
      { type: 'BODY', text: 'Hi {{1}}, your order {{2}} ships {{3}}. Thanks {{1}}!' },
      { type: 'FOOTER', text: 'Reply STOP to stop' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'Stop' },
          { type: 'URL', text: 'Track', url: 'https://shop.example/track/{{1}}' },
          { type: 'URL', text: 'Home', url: 'https://shop.example/' },
          { type: 'PHONE_NUMBER', text: 'Call', phone_number: '+15550100' },
          { type: 'COPY_CODE', example: 'SAVE10' },
        ],
      },
    ];
    expect(expectationOf(components, 'POSITIONAL')).toEqual({
      parameterFormat: 'POSITIONAL',
      header: { format: 'TEXT', params: ['1'] },
      body: { params: ['1', '2', '3'] },
      buttons: [
        { index: 0, type: 'QUICK_REPLY', params: [] },
        { index: 1, type: 'URL', params: ['1'] },
        { index: 2, type: 'URL', params: [] },
        { index: 3, type: 'PHONE_NUMBER', params: [] },
        { index: 4, type: 'COPY_CODE', params: ['coupon_code'] },
      ],
    });
  });

  it('reads a named template: names in text order, each once', () => {
    const components = [
      { type: 'HEADER', format: 'TEXT', text: 'Hello {{first_name}}' },
      { type: 'BODY', text: 'Dear {{first_name}}, order {{order_id}} ({{ total }}) for {{first_name}}' },
    ];
    expect(expectationOf(components, 'NAMED')).toEqual({
      parameterFormat: 'NAMED',
      header: { format: 'TEXT', params: ['first_name'] },
      body: { params: ['first_name', 'order_id', 'total'] },
      buttons: [],
    });
  });

  it('infers the format from the variables when the template does not say', () => {
    expect(expectationOf([{ type: 'BODY', text: '{{2}} and {{1}}' }]).parameterFormat).toBe('POSITIONAL');
    expect(expectationOf([{ type: 'BODY', text: '{{2}} and {{1}}' }]).body.params).toEqual(['1', '2']);
    expect(expectationOf([{ type: 'BODY', text: 'Hi {{name}}' }]).parameterFormat).toBe('NAMED');
    expect(expectationOf([{ type: 'BODY', text: 'No variables' }]).parameterFormat).toBe('POSITIONAL');
  });

  it.each(['IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'])('a %s header expects its media and no text', (format) => {
    const e = expectationOf([
      { type: 'HEADER', format, example: { header_handle: ['https://cdn.example/x'] } },
      { type: 'BODY', text: 'Hi' },
    ]);
    expect(e.header).toEqual({ format, params: [] });
    expect(e.body.params).toEqual([]);
  });

  it('has no header when the template has none, and an OTP button expects the code', () => {
    const e = expectationOf([
      { type: 'BODY', text: '{{1}} is your verification code.' },
      { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' }] },
    ]);
    expect('header' in e).toBe(false);
    expect(e.buttons).toEqual([{ index: 0, type: 'OTP', params: ['1'] }]);
  });

  it('accepts lower-case types and skips malformed pieces without throwing', () => {
    expect(expectationOf(null)).toEqual({ parameterFormat: 'POSITIONAL', body: { params: [] }, buttons: [] });
    expect(expectationOf('nope').body.params).toEqual([]);
    const e = expectationOf([
      null,
      7,
      { type: 'body', text: 'Hi {{1}}' },
      { type: 'HEADER', format: 'PRODUCT' },
      { type: 'BUTTONS', buttons: [null, { type: 'url', url: 'https://x.example/{{1}}' }, { text: 'no type' }] },
    ]);
    expect(e).toEqual({
      parameterFormat: 'POSITIONAL',
      body: { params: ['1'] },
      buttons: [
        { index: 1, type: 'URL', params: ['1'] },
        { index: 2, type: '', params: [] },
      ],
    });
  });

  it('variablesOf ignores text that is not a string and single braces', () => {
    expect(variablesOf(undefined)).toEqual([]);
    expect(variablesOf('{1} {{ 1 }} {{x-y}}')).toEqual(['1']);
  });
});
