// @ts-check
// The inbox page's entry: which screen to show (set a password, sign in, the inbox), and the
// wiring of the inbox's list, open conversation and live feed.
import { ApiError, get, post, session } from './api.js';
import { ConversationView } from './conversation.js';
import { byId, h, replace } from './dom.js';
import { ConversationList } from './list.js';
import { coalesced, startLive } from './live.js';

const main = byId('main', HTMLElement);

/**
 * A labelled field.
 * @param {string} id @param {string} label @param {Record<string, string | boolean>} attrs
 */
function field(id, label, attrs) {
  return h('p', { class: 'field' }, [
    h('label', { for: id }, label),
    h('input', { id, name: id, required: true, ...attrs }),
  ]);
}

/** @param {HTMLFormElement} form @param {string} name */
const valueOf = (form, name) => {
  const input = form.elements.namedItem(name);
  return input instanceof HTMLInputElement ? input.value : '';
};

/** @param {unknown} err */
const words = (err) => (err instanceof ApiError ? err.message : 'The gateway could not be reached; try again.');

/** @param {string} [notice] */
function signInScreen(notice) {
  document.title = 'Sign in · FlowIQ inbox';
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card-form', 'aria-labelledby': 'sign-in-title' }, [
    h('h1', { id: 'sign-in-title' }, 'Sign in to the inbox'),
    notice ? h('p', { role: 'status' }, notice) : null,
    field('organization', 'Organization', { autocomplete: 'organization' }),
    field('email', 'Email', { type: 'email', autocomplete: 'username' }),
    field('password', 'Password', { type: 'password', autocomplete: 'current-password' }),
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  ]);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    const body = {
      organization: valueOf(form, 'organization').trim(),
      email: valueOf(form, 'email').trim(),
      password: valueOf(form, 'password'),
    };
    post('/sign-in', body).then(
      (me) => inboxScreen(me),
      (err) => (error.textContent = words(err)),
    );
  });
  replace(main, form);
  byId('organization', HTMLInputElement).focus();
}

function setPasswordScreen() {
  document.title = 'Set your password · FlowIQ inbox';
  // The token is in the fragment, which the browser never sends to a server (docs/INBOX.md).
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card-form', 'aria-labelledby': 'set-password-title' }, [
    h('h1', { id: 'set-password-title' }, 'Set your password'),
    h('p', {}, '12 to 256 characters. A passphrase of a few words is easy to remember and hard to guess.'),
    field('new-password', 'New password', {
      type: 'password',
      autocomplete: 'new-password',
      minlength: '12',
      maxlength: '256',
    }),
    field('confirm-password', 'The same again', { type: 'password', autocomplete: 'new-password' }),
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Set password'),
  ]);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const password = valueOf(form, 'new-password');
    if (password !== valueOf(form, 'confirm-password')) return void (error.textContent = 'The two passwords differ.');
    post('/set-password', { token, password }).then(
      () => {
        history.replaceState(null, '', '/inbox');
        signInScreen('Your password is set. Sign in with it.');
      },
      (err) => (error.textContent = words(err)),
    );
  });
  replace(main, form);
  byId('new-password', HTMLInputElement).focus();
}

/** @param {{ agent: { name: string | null, email: string }, csrf_token: string }} me */
function inboxScreen(me) {
  document.title = 'FlowIQ inbox';
  session.csrf = me.csrf_token;
  const connection = h('span', { class: 'connection', role: 'status' }, 'Connecting…');
  const pane = h('section', { class: 'conversation-pane', 'aria-label': 'Conversation' });
  const layout = h('div', { class: 'inbox' });
  const view = new ConversationView(pane, {
    onBack: () => {
      layout.classList.remove('reading');
      list.select(undefined);
      view.close();
    },
    onChanged: () => void reloadList(),
  });
  const list = new ConversationList({
    onOpen: (c) => {
      layout.classList.add('reading');
      list.select(c.id);
      void view.open(c);
    },
    onLoaded: (items) => {
      const open = items.find((c) => c.id === view.conversation?.id);
      if (open) view.update(open);
    },
  });
  const reloadList = coalesced(() => list.reload());
  const refreshView = coalesced(() => view.refresh());
  const stop = startLive({
    onConnect: () => void Promise.all([reloadList(), refreshView()]),
    onHint: (hint) => {
      void reloadList();
      if (hint.conversation_id === view.conversation?.id) void refreshView();
    },
    onState: (up) => (connection.textContent = up ? 'Live' : 'Reconnecting…'),
  });
  const leave = (/** @type {string} */ notice) => {
    stop();
    session.onSignedOut = () => {};
    signInScreen(notice);
  };
  session.onSignedOut = () => leave('Your session ended. Sign in again.');
  const signOut = h(
    'button',
    { type: 'button', onclick: () => void post('/sign-out', undefined).finally(() => leave('You are signed out.')) },
    'Sign out',
  );
  replace(main, [
    h('header', { class: 'top' }, [
      h('h1', {}, 'Inbox'),
      connection,
      h('span', { class: 'agent' }, me.agent.name ?? me.agent.email),
      signOut,
    ]),
    layout,
  ]);
  replace(layout, [list.root, pane]);
  view.close();
  void list.reload();
}

async function start() {
  if (location.pathname === '/inbox/set-password') return setPasswordScreen();
  try {
    inboxScreen(await get('/me'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) signInScreen();
    else replace(main, h('p', { class: 'error', role: 'alert' }, words(err)));
  }
}

void start();
