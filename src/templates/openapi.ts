// The listing's example in the OpenAPI document: one template of each common shape, as a client
// reads them before sending (a test checks it against the schema it illustrates).
export const LIST_TEMPLATES_EXAMPLE = {
  success: true,
  data: [
    {
      name: 'order_shipped',
      language: 'en_US',
      status: 'APPROVED',
      category: 'UTILITY',
      quality: 'GREEN',
      rejected_reason: null,
      meta_template_id: '1192339204654487',
      expects: {
        parameter_format: 'POSITIONAL',
        header: { format: 'TEXT', params: ['1'] },
        body: { params: ['1', '2'] },
        buttons: [
          { index: 0, type: 'URL', params: ['1'] },
          { index: 1, type: 'QUICK_REPLY', params: [] },
        ],
      },
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
        { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'URL', text: 'Track', url: 'https://shop.example/track/{{1}}' },
            { type: 'QUICK_REPLY', text: 'Stop updates' },
          ],
        },
      ],
      synced_at: '2026-05-05T10:00:00.000Z',
    },
    {
      name: 'welcome',
      language: 'pt_BR',
      status: 'APPROVED',
      category: 'MARKETING',
      quality: null,
      rejected_reason: null,
      meta_template_id: '920070352646140',
      expects: {
        parameter_format: 'NAMED',
        header: { format: 'IMAGE', params: [] },
        body: { params: ['first_name', 'coupon'] },
        buttons: [{ index: 0, type: 'COPY_CODE', params: ['coupon_code'] }],
      },
      components: [
        { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://scontent.example/h.jpg'] } },
        { type: 'BODY', text: 'Olá {{first_name}}! Use {{coupon}} na sua primeira compra.' },
        { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'BEMVINDO' }] },
      ],
      synced_at: '2026-05-05T10:00:00.000Z',
    },
  ],
  next_cursor: 'WyJ3ZWxjb21lIiwicHRfQlIiXQ',
};
