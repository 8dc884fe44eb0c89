// @ts-check
// The open conversation: its header (contact, window), its messages oldest to newest, and the
// answer box. Messages are kept by id, so a refetch after a live hint or a reconnect merges: a
// message is never shown twice, and a changed one (a tick, a reaction) is redrawn in place.
import { call, get, post } from './api.js';
import { Composer } from './composer.js';
import { h, reconcile, replace } from './dom.js';
import { contactName, windowText } from './format.js';
import { messageView } from './message-view.js';

/** @typedef {import('./message-view.js').Message} Message */
/**
 * @typedef {{
 *   id: string, contact: { id: string, name: string | null, whatsapp_number: string | null },
 *   unread_count: number, window: { state: string, open_until: string | null },
 *   last_outbound_status: string | null, last_message_at: string,
 *   last_message: { direction: string, message_type: string, preview: string | null } | null,
 * }} Conversation
 */

export class ConversationView {
  /**
   * @param {HTMLElement} root
   * @param {{ onBack(): void, onChanged(): void }} hooks
   */
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    /** @type {Conversation | undefined} */
    this.conversation = undefined;
    /** @type {Map<string, Message>} */
    this.messages = new Map();
    /** @type {string | null} */
    this.olderCursor = null;
    /** Inbound messages already seen: a new one while the conversation is open marks it read. */
    /** @type {Set<string>} */
    this.seen = new Set();
    /** @type {number | undefined} */
    this.mediaTimer = undefined;
    this.list = h('ol', { class: 'messages', 'aria-label': 'Messages', 'aria-live': 'polite' });
    this.title = h('h2', { id: 'conversation-title', tabindex: '-1' });
    this.windowLine = h('p', { class: 'window-state' });
    this.olderButton = h(
      'button',
      { type: 'button', class: 'older', hidden: true, onclick: () => void this.loadOlder() },
      'Earlier messages',
    );
    this.composer = new Composer({
      send: (body) => this.send(body),
      upload: (form) => this.upload(form),
      typing: () => this.typing(),
    });
    this.typingSentAt = 0;
  }

  /** @param {Conversation} conversation */
  async open(conversation) {
    this.conversation = conversation;
    this.messages.clear();
    this.seen.clear();
    this.typingSentAt = 0;
    this.olderCursor = null;
    replace(this.root, [
      h('header', { class: 'conversation-header' }, [
        h('button', { type: 'button', class: 'back', onclick: () => this.hooks.onBack() }, '← Conversations'),
        h('div', {}, [this.title, this.windowLine]),
      ]),
      this.olderButton,
      this.list,
      this.composer.root,
    ]);
    this.drawHeader();
    await this.refresh();
    this.title.focus();
  }

  close() {
    this.conversation = undefined;
    replace(this.root, h('p', { class: 'empty' }, 'Choose a conversation.'));
  }

  /** The list's newer copy of the open conversation (its window, its unread count). @param {Conversation} c */
  update(c) {
    if (this.conversation?.id !== c.id) return;
    this.conversation = c;
    this.drawHeader();
  }

  drawHeader() {
    const c = this.conversation;
    if (!c) return;
    this.title.textContent = contactName(c.contact);
    this.windowLine.textContent = `${c.contact.whatsapp_number ? `+${c.contact.whatsapp_number} · ` : ''}${windowText(c.window)}`;
    this.composer.setWindow(c.window.state === 'open');
  }

  /** Fetches the newest page and merges it; marks the conversation read when the customer wrote. */
  async refresh() {
    const c = this.conversation;
    if (!c) return;
    const page = await get(`/conversations/${c.id}/messages`, { limit: '50' });
    if (this.conversation?.id !== c.id) return;
    if (this.messages.size === 0) this.olderCursor = page.older_cursor;
    this.merge(page.data);
    const unread =
      c.unread_count > 0 ||
      page.data.some((/** @type {Message} */ m) => m.direction === 'inbound' && !this.seen.has(m.id));
    for (const m of page.data) this.seen.add(m.id);
    if (unread && document.visibilityState === 'visible') await this.markRead();
  }

  async markRead() {
    const c = this.conversation;
    if (!c) return;
    await post(`/conversations/${c.id}/read`, undefined).catch(() => undefined);
    c.unread_count = 0;
    this.hooks.onChanged();
  }

  /**
   * Meta's typing indicator while the agent writes: it shows for up to 25 seconds or until we
   * answer, so it is asked for at most every 20 seconds (with the read receipt it rides on).
   */
  typing() {
    const c = this.conversation;
    if (!c || c.window.state !== 'open' || Date.now() - this.typingSentAt < 20_000) return;
    this.typingSentAt = Date.now();
    void call('POST', `/conversations/${c.id}/read`, { query: { typing: 'true' } }).catch(() => undefined);
  }

  async loadOlder() {
    const c = this.conversation;
    if (!c || !this.olderCursor) return;
    const page = await get(`/conversations/${c.id}/messages`, { limit: '50', before: this.olderCursor });
    this.olderCursor = page.older_cursor;
    this.merge(page.data);
  }

  /** @param {Message[]} messages */
  merge(messages) {
    for (const m of messages) this.messages.set(m.id, m);
    this.draw();
  }

  draw() {
    const sorted = [...this.messages.values()].sort((a, b) =>
      a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1,
    );
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    const actions = {
      onReply: (/** @type {Message} */ m) => this.composer.replyTo(m),
      onReact: (/** @type {Message} */ m, /** @type {string} */ emoji) => void this.react(m, emoji),
      find: (/** @type {string} */ id) => this.messages.get(id),
    };
    reconcile(
      this.list,
      sorted,
      (m) => m.id,
      (m) => this.versionOf(m),
      (m) => messageView(m, actions),
    );
    this.olderButton.hidden = this.olderCursor === null;
    this.awaitMedia(sorted);
    if (atBottom || sorted.length <= 50) this.list.scrollTop = this.list.scrollHeight;
  }

  /**
   * What a message's bubble shows. Its signed media URL is new on every read and is left out: the
   * one drawn stays valid (for a year), and an image or a playing audio is not reloaded for nothing.
   * @param {Message} m
   */
  versionOf(m) {
    const quoted = m.reply_to?.id ? this.messages.has(m.reply_to.id) : false;
    return JSON.stringify({ ...m, media: m.media?.status ?? null, quoted });
  }

  /**
   * A customer's file is fetched from Meta after the message is stored, and no hint says when it is
   * done: while one is pending, the page looks again every couple of seconds.
   * @param {Message[]} shown
   */
  awaitMedia(shown) {
    if (this.mediaTimer !== undefined || !shown.some((m) => m.media?.status === 'pending')) return;
    this.mediaTimer = setTimeout(() => {
      this.mediaTimer = undefined;
      void this.refresh();
    }, 1500);
  }

  /** @param {Message} m @param {string} emoji */
  async react(m, emoji) {
    await this.send({ message_type: 'reaction', reaction: { message_id: m.whatsapp_message_id, emoji } });
  }

  /** @param {Record<string, unknown>} body the send request without phone_number */
  async send(body) {
    const c = this.conversation;
    if (!c) return;
    try {
      await post(`/conversations/${c.id}/messages`, body);
    } finally {
      await this.refresh();
      this.hooks.onChanged();
    }
  }

  /** @param {FormData} form */
  async upload(form) {
    const c = this.conversation;
    if (!c) return;
    try {
      await call('POST', `/conversations/${c.id}/attachments`, { form });
    } finally {
      await this.refresh();
      this.hooks.onChanged();
    }
  }
}
