// @ts-check
// The answer box: text, a reply to a chosen message, a file from the agent's computer. When the
// 24-hour window is closed it says so and offers the organization's templates with their
// parameters instead, since Meta delivers nothing else then.
import { ApiError } from './api.js';
import { summaryOf } from './content.js';
import { h, replace } from './dom.js';
import { TemplatePicker } from './templates.js';

/** @typedef {import('./message-view.js').Message} Message */

export class Composer {
  /**
   * @param {{ send(body: Record<string, unknown>): Promise<void>, upload(form: FormData): Promise<void>, typing(): void }} io
   */
  constructor(io) {
    this.io = io;
    /** @type {Message | undefined} */
    this.reply = undefined;
    this.error = h('p', { class: 'error', role: 'alert' });
    this.replyBanner = h('div', { class: 'reply-banner', hidden: true });
    this.text = h('textarea', {
      id: 'answer-text',
      name: 'text',
      rows: 2,
      maxlength: 4096,
      placeholder: 'Write an answer',
    });
    // The input itself is hidden (its native look, "Choose File No file chosen", beside our label
    // read as two controls); the label is what is seen and clicked, the chosen name shown after it.
    this.file = h('input', {
      id: 'answer-file',
      type: 'file',
      name: 'file',
      class: 'visually-hidden',
      onchange: () => this.showFile(),
    });
    this.fileName = h('span', { class: 'file-name', 'aria-live': 'polite' }, '');
    this.sendButton = h('button', { type: 'submit', class: 'primary' }, 'Send');
    this.freeForm = h('form', { class: 'answer', 'aria-label': 'Answer', onsubmit: (e) => void this.submit(e) }, [
      this.replyBanner,
      h('label', { for: 'answer-text', class: 'visually-hidden' }, 'Message'),
      this.text,
      h('div', { class: 'answer-row' }, [
        this.file,
        h('label', { for: 'answer-file', class: 'attach' }, '📎 Attach a file'),
        this.fileName,
        this.sendButton,
      ]),
    ]);
    this.text.addEventListener('input', () => io.typing());
    this.text.addEventListener('keydown', (e) => {
      // Enter sends, Shift+Enter starts a new line, as in most chat tools.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.freeForm.requestSubmit();
      }
    });
    this.closedNotice = h(
      'p',
      { class: 'window-closed', role: 'status' },
      'The 24-hour window is closed: until the customer writes again, WhatsApp delivers only an approved template. Choose one below.',
    );
    this.picker = new TemplatePicker({ send: (body) => this.guard(() => io.send(body)) });
    this.templateMode = h('div', { class: 'template-mode', hidden: true }, [this.closedNotice, this.picker.root]);
    this.root = h('section', { class: 'composer', 'aria-label': 'Answer box' }, [
      this.error,
      this.freeForm,
      this.templateMode,
    ]);
  }

  /** @param {boolean} open */
  setWindow(open) {
    this.freeForm.hidden = !open;
    this.templateMode.hidden = open;
    if (!open) void this.picker.load();
  }

  /** @param {Message} m */
  replyTo(m) {
    this.reply = m;
    replace(this.replyBanner, [
      h('span', {}, ['Replying to: ', h('q', {}, summaryOf(m))]),
      h(
        'button',
        { type: 'button', class: 'tool', 'aria-label': 'Cancel the reply', onclick: () => this.clearReply() },
        '✕',
      ),
    ]);
    this.replyBanner.hidden = false;
    this.text.focus();
  }

  clearReply() {
    this.reply = undefined;
    this.replyBanner.hidden = true;
  }

  /** Runs a send, showing the gateway's refusal in words; true when it went through. @param {() => Promise<void>} run */
  async guard(run) {
    this.error.textContent = '';
    this.sendButton.disabled = true;
    try {
      await run();
      return true;
    } catch (err) {
      this.error.textContent =
        err instanceof ApiError ? `Not sent: ${err.message}` : 'Not sent: the gateway could not be reached.';
      return false;
    } finally {
      this.sendButton.disabled = false;
    }
  }

  showFile() {
    this.fileName.textContent = this.file.files?.[0]?.name ?? '';
  }

  /** @param {Event} e */
  async submit(e) {
    e.preventDefault();
    const text = this.text.value.trim();
    const file = this.file.files?.[0];
    const context = this.reply?.whatsapp_message_id ?? undefined;
    if (!text && !file) return;
    const ok = await this.guard(async () => {
      if (file) {
        const form = new FormData();
        if (text) form.append('caption', text);
        if (context) form.append('context_message_id', context);
        form.append('file', file, file.name);
        await this.io.upload(form);
      } else {
        await this.io.send({ message_type: 'text', text, ...(context ? { context_message_id: context } : {}) });
      }
    });
    if (ok) {
      this.text.value = '';
      this.file.value = '';
      this.showFile();
      this.clearReply();
      this.text.focus();
    }
  }
}
