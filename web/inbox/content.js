// @ts-check
// A message's content drawn as a person expects it, by type and direction. Outbound content is the
// send request as the gateway received it; inbound is the message as read from Meta's webhook.
// Every value is customer- or tenant-written text: it goes in through h() as text, and links only
// through safeUrl(). Nothing external is loaded: media come from the gateway's signed URLs.
import { h, safeUrl } from './dom.js';
import { size } from './format.js';

/** @typedef {Record<string, any>} Json */
/** @typedef {{ status: string, url: string | null } | null} Media */

/** @param {unknown} v */
const str = (v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/**
 * @param {string} type
 * @param {Media} media
 * @param {Json} c
 */
function mediaPart(type, media, c) {
  const src = media && media.status === 'stored' ? safeUrl(media.url) : undefined;
  const name = str(c.filename) || (type === 'document' ? 'Document' : '');
  if (!src) {
    const why =
      media?.status === 'pending' ? 'being fetched' : media?.status === 'failed' ? 'not available' : 'not stored';
    return h('p', { class: 'media-missing' }, `${type} ${name ? `“${name}” ` : ''}(${why})`);
  }
  if (type === 'image' || type === 'sticker')
    return h('img', { src, alt: str(c.caption) || (type === 'sticker' ? 'Sticker' : 'Image'), loading: 'lazy' });
  if (type === 'video') return h('video', { src, controls: true, preload: 'metadata', 'aria-label': 'Video' });
  if (type === 'audio') return h('audio', { src, controls: true, preload: 'metadata', 'aria-label': 'Audio message' });
  const sizeLabel = h('span', { class: 'doc-size' });
  // The file's size is the stored object's: one HEAD request to the signed URL.
  void fetch(src, { method: 'HEAD' }).then((res) => {
    const n = Number(res.headers.get('content-length'));
    if (res.ok && n > 0) sizeLabel.textContent = ` (${size(n)})`;
  });
  return h('p', { class: 'document' }, [
    h('a', { href: src, download: name, rel: 'noopener' }, ['📄 ', name]),
    sizeLabel,
  ]);
}

/** @param {Json} loc */
function locationPart(loc) {
  const lat = Number(loc.latitude);
  const lon = Number(loc.longitude);
  const coords = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  // A link only: the page loads no map tiles or scripts.
  const map = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
  return h('div', { class: 'location' }, [
    str(loc.name) && h('strong', {}, str(loc.name)),
    str(loc.address) && h('p', {}, str(loc.address)),
    h('p', {}, ['📍 ', coords, ' · ', h('a', { href: map, target: '_blank', rel: 'noopener noreferrer' }, 'Open map')]),
  ]);
}

/** @param {Json[]} cards */
function contactsPart(cards) {
  return h(
    'ul',
    { class: 'cards' },
    cards.map((card) => {
      const name = str(card.name?.formatted_name ?? card.formatted_name) || 'Contact';
      /** @type {Json[]} */
      const phones = Array.isArray(card.phones) ? card.phones : [];
      /** @type {Json[]} */
      const emails = Array.isArray(card.emails) ? card.emails : [];
      return h('li', { class: 'card' }, [
        h('strong', {}, ['👤 ', name]),
        ...phones.map((p) => h('p', {}, [str(p.phone) || `+${str(p.wa_id)}`, p.type ? ` (${str(p.type)})` : ''])),
        ...emails.map((e) => h('p', {}, str(e.email))),
      ]);
    }),
  );
}

/** Our interactive message, buttons and list as the customer sees them. @param {Json} i */
function interactivePart(i) {
  /** @type {HTMLElement[]} */
  const parts = [];
  const header = typeof i.header === 'string' ? i.header : str(i.header?.text);
  if (header) parts.push(h('strong', {}, header));
  parts.push(h('p', { class: 'text' }, str(i.body)));
  if (i.footer) parts.push(h('p', { class: 'footer' }, str(i.footer)));
  if (Array.isArray(i.buttons))
    parts.push(
      h(
        'ul',
        { class: 'buttons', 'aria-label': 'Buttons sent' },
        i.buttons.map((/** @type {Json} */ b) => h('li', {}, str(b.title))),
      ),
    );
  if (Array.isArray(i.sections)) {
    parts.push(h('p', { class: 'list-button' }, ['☰ ', str(i.button)]));
    for (const s of /** @type {Json[]} */ (i.sections)) {
      if (s.title) parts.push(h('p', { class: 'section' }, str(s.title)));
      /** @type {Json[]} */
      const rows = Array.isArray(s.rows) ? s.rows : [];
      parts.push(
        h(
          'ul',
          { class: 'rows' },
          rows.map((r) => h('li', {}, [str(r.title), r.description ? ` — ${str(r.description)}` : ''])),
        ),
      );
    }
  }
  return h('div', { class: 'interactive' }, parts);
}

/** Our template: its name and the values filled in. @param {Json} t */
function templatePart(t) {
  const body = Array.isArray(t.body)
    ? t.body.map(str)
    : t.body && typeof t.body === 'object'
      ? Object.entries(t.body).map(([k, v]) => `${k}: ${str(v)}`)
      : [];
  return h('div', { class: 'template' }, [
    h('p', { class: 'meta' }, `Template ${str(t.name)} (${str(t.language)})`),
    body.length > 0 && h('p', {}, body.join(' · ')),
  ]);
}

/**
 * @param {Json} c
 * @param {string} type
 * @param {Media} media
 */
function outbound(c, type, media) {
  if (type === 'text') return h('p', { class: 'text' }, str(c.text));
  if (['image', 'video', 'audio', 'document', 'sticker'].includes(type))
    return h('div', {}, [mediaPart(type, media, c), c.caption && h('p', { class: 'text' }, str(c.caption))]);
  if (type === 'location') return locationPart(c.location ?? {});
  if (type === 'contacts') return contactsPart(Array.isArray(c.contacts) ? c.contacts : []);
  if (type === 'interactive') return interactivePart(c.interactive ?? {});
  if (type === 'template') return templatePart(c.template ?? {});
  return h('p', { class: 'meta' }, `A ${type} message`);
}

/** The customer's tap on a button or list row. @param {Json} c */
function inboundInteractive(c) {
  if (c.reply === 'button_reply' || c.reply === 'list_reply')
    return h('p', { class: 'choice' }, [
      h('span', { class: 'meta' }, c.reply === 'button_reply' ? 'Tapped the button ' : 'Chose from the list '),
      h('strong', {}, str(c.title)),
      c.description ? ` — ${str(c.description)}` : '',
    ]);
  if (c.reply === 'nfm_reply') return h('p', { class: 'choice' }, ['Sent a form: ', str(c.body) || str(c.name)]);
  return h('p', { class: 'meta' }, 'An interactive reply');
}

/**
 * @param {Json} c
 * @param {string} type
 * @param {Media} media
 */
function inbound(c, type, media) {
  if (type === 'text') return h('p', { class: 'text' }, str(c.body));
  if (['image', 'video', 'audio', 'document', 'sticker'].includes(type))
    return h('div', {}, [mediaPart(type, media, c), c.caption && h('p', { class: 'text' }, str(c.caption))]);
  if (type === 'location') return locationPart(c);
  if (type === 'contacts') return contactsPart(Array.isArray(c.contacts) ? c.contacts : []);
  if (type === 'interactive') return inboundInteractive(c);
  if (type === 'button')
    return h('p', { class: 'choice' }, [
      h('span', { class: 'meta' }, 'Tapped the button '),
      h('strong', {}, str(c.text) || str(c.payload)),
    ]);
  if (type === 'order')
    return h('p', {}, [
      '🛒 An order',
      c.text ? `: ${str(c.text)}` : '',
      ` (${Array.isArray(c.items) ? c.items.length : 0} items)`,
    ]);
  if (type === 'system') return h('p', { class: 'meta' }, str(c.body) || 'A notice from WhatsApp');
  if (type === 'revoke') return h('p', { class: 'meta' }, 'The customer deleted a message');
  if (type === 'unsupported') return h('p', { class: 'meta' }, 'A message WhatsApp does not pass on to businesses');
  return h('p', { class: 'meta' }, `A ${type} message`);
}

/**
 * @param {{ direction: string, message_type: string, content: unknown, media: Media }} m
 * @returns {HTMLElement}
 */
export function contentOf(m) {
  const c = m.content && typeof m.content === 'object' ? /** @type {Json} */ (m.content) : {};
  return m.direction === 'outbound' ? outbound(c, m.message_type, m.media) : inbound(c, m.message_type, m.media);
}

/** A line of text for a quoted message. @param {{ direction: string, message_type: string, content: unknown }} m */
export function summaryOf(m) {
  const c = m.content && typeof m.content === 'object' ? /** @type {Json} */ (m.content) : {};
  const text =
    str(c.text) || str(c.body) || str(c.caption) || str(c.filename) || str(c.title) || str(c.interactive?.body);
  return text || `A ${m.message_type} message`;
}
