// The bodies of POST /{version}/{phone-number-id}/messages as Meta documents them (docs/META.md §1).
// Only the fields the gateway sends; Meta refuses fields it does not know.

export interface GraphText {
  body: string;
}

/** An uploaded file by its media id; caption for image, video and document, filename for document. */
export interface GraphMedia {
  id: string;
  caption?: string;
  filename?: string;
}

export interface GraphLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

export interface GraphContactCard {
  name: {
    formatted_name: string;
    first_name?: string;
    last_name?: string;
    middle_name?: string;
    suffix?: string;
    prefix?: string;
  };
  phones?: { phone?: string; type?: string; wa_id?: string }[];
  emails?: { email?: string; type?: string }[];
  addresses?: {
    street?: string;
    city?: string;
    state?: string;
    zip?: string;
    country?: string;
    country_code?: string;
    type?: string;
  }[];
  urls?: { url?: string; type?: string }[];
  org?: { company?: string; department?: string; title?: string };
  birthday?: string;
}

export type GraphHeader =
  | { type: 'text'; text: string }
  | { type: 'image'; image: GraphMedia }
  | { type: 'video'; video: GraphMedia }
  | { type: 'document'; document: GraphMedia };

interface GraphInteractiveParts {
  header?: GraphHeader;
  body: { text: string };
  footer?: { text: string };
}

export interface GraphButtonInteractive extends GraphInteractiveParts {
  type: 'button';
  action: { buttons: { type: 'reply'; reply: { id: string; title: string } }[] };
}

export interface GraphListInteractive extends GraphInteractiveParts {
  type: 'list';
  header?: { type: 'text'; text: string };
  action: {
    button: string;
    sections: { title?: string; rows: { id: string; title: string; description?: string }[] }[];
  };
}

export type GraphInteractive = GraphButtonInteractive | GraphListInteractive;

export interface GraphReaction {
  message_id: string;
  emoji: string;
}

/** A template's parameter (WEBHOOKS §9.1); the gateway sends media by id, a client may give a link. */
export type GraphTemplateParameter =
  | { type: 'text'; text: string; parameter_name?: string }
  | {
      type: 'currency';
      currency: { fallback_value: string; code: string; amount_1000: number };
      parameter_name?: string;
    }
  | { type: 'date_time'; date_time: { fallback_value: string }; parameter_name?: string }
  | { type: 'image'; image: { link?: string; id?: string } }
  | { type: 'video'; video: { link?: string; id?: string } }
  | { type: 'document'; document: { link?: string; id?: string; filename?: string } }
  | { type: 'location'; location: GraphLocation }
  | { type: 'payload'; payload: string }
  | { type: 'coupon_code'; coupon_code: string };

export type GraphTemplateComponent =
  | { type: 'header'; parameters: GraphTemplateParameter[] }
  | { type: 'body'; parameters: GraphTemplateParameter[] }
  | {
      type: 'button';
      sub_type: 'quick_reply' | 'url' | 'copy_code';
      index: string | number;
      parameters: GraphTemplateParameter[];
    };

export interface GraphTemplate {
  name: string;
  language: { code: string; policy: 'deterministic' };
  components?: GraphTemplateComponent[];
}

/** The part of a message its type decides: `type` and the object of that name. */
export type GraphMessageContent =
  | { type: 'text'; text: GraphText }
  | { type: 'image'; image: GraphMedia }
  | { type: 'video'; video: GraphMedia }
  | { type: 'audio'; audio: GraphMedia }
  | { type: 'document'; document: GraphMedia }
  | { type: 'location'; location: GraphLocation }
  | { type: 'contacts'; contacts: GraphContactCard[] }
  | { type: 'interactive'; interactive: GraphInteractive }
  | { type: 'reaction'; reaction: GraphReaction }
  | { type: 'template'; template: GraphTemplate };

export interface GraphEnvelope {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  /** "+" and the digits: without the +, Meta may prepend the business number's country code. */
  to: string;
  /** Makes the message a reply (never on a reaction). */
  context?: { message_id: string };
}

export type GraphMessagePayload = GraphEnvelope & GraphMessageContent;

/**
 * One template of GET /{version}/{waba-id}/message_templates, as Meta returns it (docs/META.md).
 * Everything is optional: the fields are those asked for, and Meta's answer is checked by the caller.
 */
export interface GraphMessageTemplate {
  id?: string;
  name?: string;
  language?: string;
  status?: string;
  category?: string;
  parameter_format?: string;
  /** HEADER, BODY, FOOTER, BUTTONS objects, upper-case types. */
  components?: unknown[];
  quality_score?: { score?: string; date?: number };
  rejected_reason?: string;
}

/** Graph's cursor paging: `next` is there only when another page follows. */
export interface GraphPaging {
  cursors?: { before?: string; after?: string };
  next?: string;
  previous?: string;
}

/** A page as received: each item should be a GraphMessageTemplate, and paging a GraphPaging; unchecked. */
export interface GraphTemplatesPage {
  data: unknown[];
  paging?: unknown;
}
