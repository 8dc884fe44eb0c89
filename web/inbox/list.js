// @ts-check
// The conversation list: newest activity first, each with the contact, the latest message, the
// unread count, the window and our last message's tick; a filter and a search, and more on demand.
import { get } from './api.js';
import { h, reconcile } from './dom.js';
import { contactName, tick, time, windowText } from './format.js';

/** @typedef {import('./conversation.js').Conversation} Conversation */

const FILTERS = [
  { value: '', label: 'All' },
  { value: 'unread', label: 'Unread' },
  { value: 'open', label: 'Window open' },
  { value: 'closed', label: 'Window closed' },
  { value: 'failed', label: 'Failed messages' },
];

/** @param {string} filter */
function filterQuery(filter) {
  if (filter === 'unread') return { unread: 'true' };
  if (filter === 'failed') return { failed: 'true' };
  if (filter === 'open' || filter === 'closed') return { window: filter };
  return {};
}

export class ConversationList {
  /** @param {{ onOpen(c: Conversation): void, onLoaded(c: Conversation[]): void }} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    /** @type {Conversation[]} */
    this.items = [];
    /** @type {string | null} */
    this.nextCursor = null;
    /** @type {string | undefined} */
    this.selected = undefined;
    this.filter = h(
      'select',
      { id: 'list-filter', onchange: () => void this.reload() },
      FILTERS.map((f) => h('option', { value: f.value }, f.label)),
    );
    this.search = h('input', {
      id: 'list-search',
      type: 'search',
      // Short enough for the list's width; the label says what it searches.
      placeholder: 'Search',
      autocomplete: 'off',
    });
    /** @type {number | undefined} */
    let typing;
    this.search.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => void this.reload(), 250);
    });
    this.list = h('ul', { class: 'conversations', 'aria-label': 'Conversations' });
    this.more = h(
      'button',
      { type: 'button', class: 'more', hidden: true, onclick: () => void this.loadMore() },
      'More conversations',
    );
    this.root = h('nav', { class: 'list-pane', 'aria-label': 'Conversation list' }, [
      h('form', { class: 'list-tools', role: 'search', onsubmit: (e) => (e.preventDefault(), void this.reload()) }, [
        h('label', { for: 'list-search', class: 'visually-hidden' }, 'Search conversations'),
        this.search,
        h('label', { for: 'list-filter', class: 'visually-hidden' }, 'Show'),
        this.filter,
      ]),
      this.list,
      this.more,
    ]);
  }

  query() {
    const q = this.search.value.trim();
    return { ...filterQuery(this.filter.value), ...(q ? { q } : {}) };
  }

  /** The first page again: after a filter change, a live hint, or a reconnect. */
  async reload() {
    const page = await get('/conversations', { ...this.query(), limit: '50' });
    this.items = page.data;
    this.nextCursor = page.next_cursor;
    this.draw();
    this.hooks.onLoaded(this.items);
  }

  async loadMore() {
    if (!this.nextCursor) return;
    const page = await get('/conversations', { ...this.query(), limit: '50', cursor: this.nextCursor });
    const known = new Set(this.items.map((c) => c.id));
    this.items.push(...page.data.filter((/** @type {Conversation} */ c) => !known.has(c.id)));
    this.nextCursor = page.next_cursor;
    this.draw();
  }

  /** @param {string | undefined} id */
  select(id) {
    this.selected = id;
    this.draw();
  }

  draw() {
    reconcile(
      this.list,
      this.items,
      (c) => c.id,
      (c) => `${this.selected === c.id}${JSON.stringify(c)}`,
      (c) => this.item(c),
    );
    if (this.items.length === 0) this.list.append(h('li', { class: 'empty' }, 'No conversation matches.'));
    this.more.hidden = this.nextCursor === null;
  }

  /** @param {Conversation} c */
  item(c) {
    const last = c.last_message;
    const preview = last
      ? `${last.direction === 'outbound' ? 'You: ' : ''}${last.preview ?? `(${last.message_type})`}`
      : 'No messages yet';
    const status = c.last_outbound_status;
    const t = status ? tick(status) : undefined;
    return h('li', {}, [
      h(
        'button',
        {
          type: 'button',
          class: `conversation${c.unread_count > 0 ? ' unread' : ''}`,
          'data-conversation-id': c.id,
          'aria-current': this.selected === c.id ? 'true' : false,
          onclick: () => this.hooks.onOpen(c),
        },
        [
          h('span', { class: 'row' }, [
            h('strong', { class: 'name' }, contactName(c.contact)),
            h('time', { datetime: c.last_message_at }, time(c.last_message_at)),
          ]),
          h('span', { class: 'row' }, [
            h('span', { class: 'preview' }, preview),
            c.unread_count > 0 &&
              h('span', { class: 'badge', 'aria-label': `${c.unread_count} unread` }, String(c.unread_count)),
          ]),
          h('span', { class: 'row small' }, [
            h('span', { class: `window ${c.window.state}` }, windowText(c.window)),
            t &&
              h('span', { class: `tick tick-${status}`, title: t.label }, [
                h('span', { 'aria-hidden': 'true' }, t.mark),
                h('span', { class: 'visually-hidden' }, t.label),
              ]),
          ]),
        ],
      ),
    ]);
  }
}
