// One conversation of bench:inbox's data (inbox-data.ts): its contact, its thread row, its messages
// and their status rows, as the gateway's write paths leave them (inbound content as the webhook
// parser normalises it, ours as the send request was). The words are a support desk's: "order" is
// in a good part of the messages, "refund" in a few, each conversation's order number in its own.
import { newId } from '../src/db/ids.js';

export type Row = Record<string, string | number | null>;

const FIRST =
  'Thandi Sipho John Maria Ahmed Priya Lerato Johan Aisha Kagiso Chen Fatima Pieter Naledi David Zanele Mohammed Sarah Bongani Emma Themba Grace Ravi Lindiwe Michael Anele Ayesha Thabo Olivia Musa Nomsa Daniel Precious Tariq Refilwe James Palesa Lucas Yusuf Amahle'.split(
    ' ',
  );
const LAST =
  'Nkosi Dlamini Smith Naidoo Botha Mokoena Khumalo Pillay Patel Ndlovu Mahlangu Jacobs Zulu Williams Mthembu Govender Sithole Pretorius Molefe Adams Chetty Baloyi Nel Mabaso Kruger Shabalala Maseko Fourie Radebe Hendricks Ntuli Moodley Coetzee Mkhize Venter Cele Reddy Steyn Tshabalala Mthethwa'.split(
    ' ',
  );

/** [weight, text]; {order} is the conversation's order number. */
const INBOUND: [number, string][] = [
  [20, 'Hi, where is my order {order}?'],
  [15, 'Hello'],
  [15, 'Thanks!'],
  [10, 'When will it arrive?'],
  [8, 'Can I change the delivery address?'],
  [2, 'The parcel arrived damaged, I would like a refund'],
  [8, 'Is this available in size M?'],
  [12, 'ok'],
  [5, 'Do you deliver to Cape Town?'],
  [5, 'I still have not received order {order}'],
];
const OUTBOUND: [number, string][] = [
  [25, 'Thanks for your message, an agent will reply shortly.'],
  [20, 'Your order {order} has shipped and arrives in 2-3 working days.'],
  [10, 'Sorry to hear that. Could you send a photo of the parcel?'],
  [20, "You're welcome!"],
  [2, 'Your refund for {order} has been processed.'],
  [10, 'Yes, we deliver nationwide.'],
];
const CAPTIONS = ['the box', 'damaged corner', 'my receipt', 'wrong colour'];
const EMOJI = ['👍', '❤️', '😂', '🙏'];

function pick(rnd: () => number, table: [number, string][]): string {
  const total = table.reduce((a, [w]) => a + w, 0);
  let x = rnd() * total;
  for (const [w, t] of table) if ((x -= w) < 0) return t;
  return table[table.length - 1]![1];
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const hex64 = (rnd: () => number) =>
  Array.from({ length: 8 }, () => pad(Math.floor(rnd() * 0xffffffff), 10).slice(0, 8)).join('');

/** A unique number and order number per conversation, scrambled so neighbours do not share digits. */
export const numberOf = (rank: number) => `27${pad((rank * 7919 + 123_456_789) % 1_000_000_000, 9)}`;
export const orderOf = (rank: number) => `ORD-${pad((rank * 104_729 + 271_828) % 10_000_000, 7)}`;

export interface Thread {
  contact: Row;
  session: Row;
  messages: Row[];
  statuses: Row[];
  order: string;
}

function message(base: Row, fields: Row): Row {
  return {
    ...base,
    media_url: null,
    whatsapp_message_id: null,
    status: 'received',
    error_code: null,
    error_message: null,
    error_details: null,
    status_at: null,
    context_wamid: null,
    media_status: null,
    ...fields,
  };
}

/** One conversation of `size` messages ending at `last` (ms). */
export function thread(
  rnd: () => number,
  o: { organizationId: string; rank: number; size: number; last: number },
): Thread {
  const order = orderOf(o.rank);
  const contactId = newId();
  const sessionId = newId();
  const gap = o.size > 1000 ? 30_000 : 30_000 + Math.floor(rnd() * 600_000);
  const first = o.last - (o.size - 1) * gap;
  const messages: Row[] = [];
  const statuses: Row[] = [];
  let lastInbound: string | null = null;
  let lastOurs: string | null = null;
  let unread = 0;
  for (let i = 0; i < o.size; i++) {
    const at = new Date(first + i * gap).toISOString();
    const wamid = `wamid.bench${o.rank}x${i}`;
    const base: Row = {
      id: newId(),
      organization_id: o.organizationId,
      contact_id: contactId,
      session_id: sessionId,
      created_at: at,
      updated_at: at,
    };
    const text = (t: string) => t.replace('{order}', order);
    if (i === 0 || rnd() < 0.5) {
      const r = rnd();
      let type = 'text';
      let content: Record<string, unknown> = {
        type: 'text',
        body: text(i === 0 ? INBOUND[0]![1] : pick(rnd, INBOUND)),
      };
      const media = { id: `media${o.rank}x${i}`, mimeType: 'image/jpeg', sha256: hex64(rnd) };
      if (i > 0 && r < 0.07)
        [type, content] = ['image', { type, ...media, ...(rnd() < 0.5 ? { caption: CAPTIONS[i % 4] } : {}) }];
      else if (i > 0 && r < 0.1)
        [type, content] = ['document', { type, ...media, mimeType: 'application/pdf', filename: `invoice-${i}.pdf` }];
      else if (i > 0 && r < 0.12) [type, content] = ['audio', { type, ...media, mimeType: 'audio/ogg', voice: true }];
      else if (i > 0 && r < 0.15 && lastOurs !== null)
        [type, content] = ['reaction', { type, messageId: lastOurs, emoji: EMOJI[i % 4] }];
      const isMedia = type === 'image' || type === 'document' || type === 'audio';
      messages.push(
        message(base, {
          direction: 'inbound',
          message_type: type,
          content: JSON.stringify(content),
          whatsapp_message_id: wamid,
          media_url: isMedia ? `org/${o.organizationId}/${content['sha256'] as string}` : null,
          media_status: isMedia ? 'stored' : null,
          context_wamid: type === 'reaction' ? lastOurs : null,
        }),
      );
      if (type !== 'reaction') {
        lastInbound = at;
        unread++;
      }
      continue;
    }
    unread = 0;
    const failed = rnd() < 0.002;
    const status = failed ? 'failed' : rnd() < 0.6 ? 'delivered' : 'read';
    const image = rnd() < 0.07;
    const content = image
      ? {
          phone_number: `+${numberOf(o.rank)}`,
          message_type: 'image',
          media_url: `https://example.com/${i}.jpg`,
          caption: text(pick(rnd, OUTBOUND)),
        }
      : { phone_number: `+${numberOf(o.rank)}`, message_type: 'text', text: text(pick(rnd, OUTBOUND)) };
    messages.push(
      message(base, {
        direction: 'outbound',
        message_type: image ? 'image' : 'text',
        content: JSON.stringify(content),
        whatsapp_message_id: wamid,
        status,
        status_at: at,
        ...(failed
          ? {
              error_code: '131026',
              error_message: 'Message undeliverable',
              error_details: JSON.stringify({ code: 131026, title: 'Message undeliverable' }),
            }
          : {}),
      }),
    );
    statuses.push({
      id: newId(),
      organization_id: o.organizationId,
      whatsapp_message_id: wamid,
      status,
      occurred_at: at,
      received_at: at,
      receipt_id: 'bench',
      applied_at: at,
    });
    lastOurs = wamid;
  }
  const lastAt = new Date(o.last).toISOString();
  const created = new Date(first).toISOString();
  return {
    order,
    contact: {
      id: contactId,
      organization_id: o.organizationId,
      whatsapp_number: numberOf(o.rank),
      name: `${FIRST[Math.floor(rnd() * FIRST.length)]} ${LAST[Math.floor(rnd() * LAST.length)]}`,
      created_at: created,
      updated_at: created,
    },
    session: {
      id: sessionId,
      organization_id: o.organizationId,
      contact_id: contactId,
      status: 'open',
      message_count: o.size,
      last_message_at: lastAt,
      created_at: created,
      updated_at: lastAt,
      last_inbound_at: lastInbound,
      // Half of the conversations whose customer wrote last are still unread.
      unread_count: rnd() < 0.5 ? unread : 0,
    },
    messages,
    statuses,
  };
}
