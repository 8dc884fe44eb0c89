// Every example request of the API document, written out as the document shows them.

export const PHONE = '+27123456789';
export const WAMID = 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...';

export const DOCUMENT_EXAMPLES: Record<string, Record<string, unknown>> = {
  'basic text (curl)': {
    phone_number: PHONE,
    message_type: 'text',
    text: 'Hello! This is a test message from FlowIQ API.',
  },
  'image with caption (curl)': {
    phone_number: PHONE,
    message_type: 'image',
    media_url: 'https://example.com/image.jpg',
    caption: 'Check out this image!',
  },
  'reply to a message': {
    phone_number: PHONE,
    message_type: 'text',
    text: 'This is a reply to your message!',
    context_message_id: WAMID,
  },
  text: { phone_number: PHONE, message_type: 'text', text: 'Hello, World!' },
  image: {
    phone_number: PHONE,
    message_type: 'image',
    media_url: 'https://example.com/product.jpg',
    caption: 'Our latest product!',
  },
  video: {
    phone_number: PHONE,
    message_type: 'video',
    media_url: 'https://example.com/demo.mp4',
    caption: 'Watch our demo video',
  },
  audio: { phone_number: PHONE, message_type: 'audio', media_url: 'https://example.com/message.mp3' },
  document: {
    phone_number: PHONE,
    message_type: 'document',
    media_url: 'https://example.com/invoice.pdf',
    filename: 'Invoice_2025.pdf',
    caption: 'Please find your invoice attached',
  },
  location: {
    phone_number: PHONE,
    message_type: 'location',
    location: {
      latitude: -33.9249,
      longitude: 18.4241,
      name: 'Cape Town Office',
      address: '123 Main Street, Cape Town',
    },
  },
  contacts: {
    phone_number: PHONE,
    message_type: 'contacts',
    contacts: [
      {
        name: { formatted_name: 'John Doe', first_name: 'John', last_name: 'Doe' },
        phones: [{ phone: '+27987654321', type: 'CELL' }],
      },
    ],
  },
  'interactive button': {
    phone_number: PHONE,
    message_type: 'interactive',
    interactive: {
      type: 'button',
      header: 'Order Confirmation',
      body: 'Would you like to confirm your order #12345?',
      footer: 'Reply within 24 hours',
      buttons: [
        { id: 'confirm', title: 'Confirm' },
        { id: 'cancel', title: 'Cancel' },
        { id: 'modify', title: 'Modify Order' },
      ],
    },
  },
  'interactive button with header_media': {
    phone_number: PHONE,
    message_type: 'interactive',
    interactive: {
      type: 'button',
      body: 'Check out our new product!',
      header_media: { type: 'image', url: 'https://example.com/product.jpg' },
      buttons: [
        { id: 'buy', title: 'Buy Now' },
        { id: 'info', title: 'More Info' },
      ],
    },
  },
  'interactive list': {
    phone_number: PHONE,
    message_type: 'interactive',
    interactive: {
      type: 'list',
      header: 'Our Menu',
      body: 'Please select from our available options:',
      footer: 'Tap the button below to view options',
      button: 'View Menu',
      sections: [
        {
          title: 'Main Dishes',
          rows: [
            { id: 'burger', title: 'Burger', description: 'Beef patty with cheese' },
            { id: 'pizza', title: 'Pizza', description: 'Margherita or Pepperoni' },
          ],
        },
        {
          title: 'Drinks',
          rows: [
            { id: 'cola', title: 'Cola', description: '500ml bottle' },
            { id: 'water', title: 'Water', description: 'Still or sparkling' },
          ],
        },
      ],
    },
  },
  reaction: { phone_number: PHONE, message_type: 'reaction', reaction: { message_id: WAMID, emoji: '❤️' } },
  'integration: text': { phone_number: PHONE, message_type: 'text', text: 'Hello from the FlowIQ API!' },
  'integration: interactive button': {
    phone_number: PHONE,
    message_type: 'interactive',
    interactive: {
      type: 'button',
      body: 'How would you like to proceed?',
      buttons: [
        { id: 'yes', title: 'Yes, continue' },
        { id: 'no', title: 'No, cancel' },
      ],
    },
  },
  'integration: document with caption': {
    phone_number: PHONE,
    message_type: 'document',
    media_url: 'https://example.com/report.pdf',
    filename: 'Monthly_Report.pdf',
    caption: 'Please review the attached report',
  },
};

/** A fresh deep copy: validation fills in defaults in place. */
export function example(name: string): Record<string, unknown> {
  const body = DOCUMENT_EXAMPLES[name];
  if (body === undefined) throw new Error(`no example ${name}`);
  return structuredClone(body);
}
