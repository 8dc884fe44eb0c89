// @ts-check
// One message as a bubble: the message it answers (quoted), its content, the reactions on it, the
// time, our ticks or the failed marker with Meta's reason, and the reply and react actions.
import { contentOf, summaryOf } from './content.js';
import { h } from './dom.js';
import { failureReason, tick, time } from './format.js';

/**
 * @typedef {{
 *   id: string, whatsapp_message_id: string | null, direction: 'inbound' | 'outbound',
 *   message_type: string, content: unknown, status: string, status_at: string | null,
 *   error: { code: string, message: string | null } | null,
 *   media: { status: string, url: string | null } | null,
 *   reactions: { emoji: string, from: 'customer' | 'business', at: string }[],
 *   reply_to: { id: string | null, whatsapp_message_id: string } | null,
 *   created_at: string,
 *   sent_by?: { id: string, name: string | null, email: string } | null,
 * }} Message
 */

/** @typedef {{ onReply(m: Message): void, onReact(m: Message, emoji: string): void, find(id: string): Message | undefined }} Actions */

export const REACTIONS = ['👍', '❤️', '😂', '😮', '🙏'];

/** @param {Message} m @param {Actions} actions */
function quoted(m, actions) {
  if (!m.reply_to) return null;
  const target = m.reply_to.id ? actions.find(m.reply_to.id) : undefined;
  const text = target ? summaryOf(target) : 'A message that is not in the inbox';
  return h('blockquote', { class: 'quoted', 'data-reply-to': m.reply_to.id ?? '' }, [
    h('span', { class: 'meta' }, target?.direction === 'outbound' ? 'You' : 'Customer'),
    h('span', {}, text),
  ]);
}

/** @param {Message} m */
function reactions(m) {
  if (m.reactions.length === 0) return null;
  return h(
    'ul',
    { class: 'reactions', 'aria-label': 'Reactions' },
    m.reactions.map((r) =>
      h('li', { title: r.from === 'customer' ? 'The customer reacted' : 'You reacted' }, [
        r.emoji,
        h('span', { class: 'visually-hidden' }, r.from === 'customer' ? ' from the customer' : ' from you'),
      ]),
    ),
  );
}

/** @param {Message} m */
function statusLine(m) {
  /** @type {HTMLElement[]} */
  const parts = [h('time', { datetime: m.created_at }, time(m.created_at))];
  // Which agent wrote it; an answer sent through the API (or before agents existed) has none.
  if (m.sent_by) parts.unshift(h('span', { class: 'sent-by' }, m.sent_by.name ?? m.sent_by.email));
  if (m.direction === 'outbound') {
    const t = tick(m.status);
    parts.push(
      h('span', { class: `tick tick-${m.status}`, 'data-status': m.status, title: t.label }, [
        h('span', { 'aria-hidden': 'true' }, t.mark),
        h('span', { class: 'visually-hidden' }, t.label),
      ]),
    );
  }
  return h('p', { class: 'status-line' }, parts);
}

/** @param {Message} m @param {Actions} actions */
function tools(m, actions) {
  if (!m.whatsapp_message_id) return null;
  const menu = h(
    'div',
    { class: 'react-menu', role: 'group', 'aria-label': 'React with', hidden: true },
    REACTIONS.map((emoji) =>
      h('button', { type: 'button', 'aria-label': `React ${emoji}`, onclick: () => actions.onReact(m, emoji) }, emoji),
    ),
  );
  // Escape closes the menu and gives focus back to the button that opened it.
  menu.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    menu.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.focus();
  });
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'tool',
      'aria-expanded': 'false',
      'aria-label': 'React to this message',
      onclick: () => {
        menu.hidden = !menu.hidden;
        toggle.setAttribute('aria-expanded', String(!menu.hidden));
      },
    },
    '☺',
  );
  return h('div', { class: 'tools' }, [
    h(
      'button',
      { type: 'button', class: 'tool', 'aria-label': 'Reply to this message', onclick: () => actions.onReply(m) },
      '↩',
    ),
    toggle,
    menu,
  ]);
}

/**
 * @param {Message} m
 * @param {Actions} actions
 * @returns {HTMLLIElement}
 */
export function messageView(m, actions) {
  const failed = m.status === 'failed';
  return h(
    'li',
    {
      class: `message ${m.direction}${failed ? ' failed' : ''}`,
      'data-message-id': m.id,
      'data-type': m.message_type,
      'aria-label': `${m.direction === 'inbound' ? 'Customer' : 'You'}, ${time(m.created_at)}`,
    },
    [
      quoted(m, actions),
      contentOf(m),
      failed &&
        h('p', { class: 'failure', role: 'note' }, [h('strong', {}, 'Not delivered. '), failureReason(m.error)]),
      reactions(m),
      statusLine(m),
      tools(m, actions),
    ],
  );
}
