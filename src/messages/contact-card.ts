// A contact card as Meta's contacts message takes it (docs/META.md §1, Docs:messages/contacts-messages).
// The API contract shows only name and phones; the rest is Meta's card format, passed on as given.
import { Type, type Static } from '@sinclair/typebox';

const text = (description: string) => Type.Optional(Type.String({ description }));

// Meta's docs: `type` is free text ("cell, mobile, main, iPhone, home, work, etc."). ⚠ The spec's
// HOME/WORK enum would refuse the API contract's own "CELL", so it is a plain string.
const entryType = (of: string) => text(`Kind of ${of}, free text such as HOME or WORK`);

const Name = Type.Object(
  {
    // Meta's docs: formatted_name is required (⚠ the spec requires nothing).
    formatted_name: Type.String({
      notBlank: true,
      description: 'Full name as it should be shown',
      examples: ['John Doe'],
    }),
    first_name: text('First name'),
    last_name: text('Last name'),
    middle_name: text('Middle name'),
    suffix: text('Name suffix'),
    prefix: text('Name prefix'),
  },
  { additionalProperties: false, description: "The contact's name; formatted_name is required" },
);

const Phone = Type.Object(
  {
    // ⚠ The spec requires phone; Meta's docs mark it optional.
    phone: text('Phone number, with country code'),
    type: entryType('phone, e.g. CELL, MAIN, IPHONE, HOME or WORK'),
    wa_id: text('WhatsApp ID of the number; adds a "Message" button to the card'),
  },
  { additionalProperties: false },
);

const Email = Type.Object({ email: text('Email address'), type: entryType('email') }, { additionalProperties: false });

const Address = Type.Object(
  {
    street: text('Street number and name'),
    city: text('City'),
    state: text('State or province'),
    zip: text('Postal code'),
    country: text('Country name'),
    country_code: text('Two-letter country code'),
    type: entryType('address'),
  },
  { additionalProperties: false },
);

const Url = Type.Object({ url: text('Web address'), type: entryType('URL') }, { additionalProperties: false });

const Org = Type.Object(
  { company: text('Company name'), department: text('Department'), title: text('Job title') },
  { additionalProperties: false },
);

export const ContactCard = Type.Object(
  {
    name: Name,
    phones: Type.Optional(Type.Array(Phone, { description: 'Phone numbers' })),
    emails: Type.Optional(Type.Array(Email, { description: 'Email addresses' })),
    addresses: Type.Optional(Type.Array(Address, { description: 'Postal addresses' })),
    urls: Type.Optional(Type.Array(Url, { description: 'Web addresses' })),
    org: Type.Optional(Org),
    birthday: Type.Optional(
      Type.String({ format: 'date', description: 'Birthday, YYYY-MM-DD', examples: ['1990-05-17'] }),
    ),
  },
  { additionalProperties: false, description: "A contact card in Meta's format" },
);
export type ContactCard = Static<typeof ContactCard>;
