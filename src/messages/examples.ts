// The API document's example requests, shown as `examples` in the OpenAPI document.
// Tests check that each one passes the schema it illustrates.

export const TEXT_EXAMPLE = {
  phone_number: '+27123456789',
  message_type: 'text',
  text: 'Hello, World!',
} as const;

export const REPLY_EXAMPLE = {
  phone_number: '+27123456789',
  message_type: 'text',
  text: 'This is a reply to your message!',
  context_message_id: 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...',
} as const;

export const IMAGE_EXAMPLE = {
  phone_number: '+27123456789',
  message_type: 'image',
  media_url: 'https://example.com/product.jpg',
  caption: 'Our latest product!',
} as const;

export const VIDEO_EXAMPLE = {
  phone_number: '+27123456789',
  message_type: 'video',
  media_url: 'https://example.com/demo.mp4',
  caption: 'Watch our demo video',
} as const;

export const AUDIO_EXAMPLE = {
  phone_number: '+27123456789',
  message_type: 'audio',
  media_url: 'https://example.com/message.mp3',
} as const;

export const DOCUMENT_EXAMPLE = {
  phone_number: '+27123456789',
  message_type: 'document',
  media_url: 'https://example.com/invoice.pdf',
  filename: 'Invoice_2025.pdf',
  caption: 'Please find your invoice attached',
} as const;

export const LOCATION_EXAMPLE = {
  phone_number: '+27123456789',
  message_type: 'location',
  location: { latitude: -33.9249, longitude: 18.4241, name: 'Cape Town Office', address: '123 Main Street, Cape Town' },
} as const;

export const CONTACTS_EXAMPLE = {
  phone_number: '+27123456789',
  message_type: 'contacts',
  contacts: [
    {
      name: { formatted_name: 'John Doe', first_name: 'John', last_name: 'Doe' },
      phones: [{ phone: '+27987654321', type: 'CELL' }],
    },
  ],
} as const;

export const BUTTON_EXAMPLE = {
  phone_number: '+27123456789',
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
} as const;

export const BUTTON_MEDIA_EXAMPLE = {
  phone_number: '+27123456789',
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
} as const;

export const LIST_EXAMPLE = {
  phone_number: '+27123456789',
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
} as const;

export const REACTION_EXAMPLE = {
  phone_number: '+27123456789',
  message_type: 'reaction',
  reaction: { message_id: 'wamid.HBgLMjc4MTIzNDU2NzgVAgASGBQzRUI...', emoji: '❤️' },
} as const;
