// @ts-check
// The page's one way to build DOM. Text goes in as text nodes and attributes through setAttribute,
// never as HTML: message texts, names and file names are written by customers, so they must never
// be parsed as markup. There is no innerHTML anywhere in the page.

/** @typedef {string | number | boolean | null | undefined} AttrValue */
/** @typedef {Node | string | null | undefined | false} Child */

/**
 * An element with attributes (`on…` keys are listeners, `class` and other keys attributes; false,
 * null and undefined leave an attribute out) and children (strings become text nodes).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttrValue | EventListener>} [attrs]
 * @param {Child[] | Child} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key.startsWith('on')) throw new Error(`listener ${key} must be a function`);
    else if (value === true) node.setAttribute(key, '');
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

/**
 * @param {Node} node
 * @param {Child[] | Child} children
 */
export function append(node, children) {
  for (const child of Array.isArray(children) ? children : [children]) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/**
 * Replaces a node's children.
 * @param {Node} node
 * @param {Child[] | Child} children
 */
export function replace(node, children) {
  while (node.firstChild) node.removeChild(node.firstChild);
  append(node, children);
}

/**
 * A URL safe to put in href or src: http(s) or same-origin only, so that a customer's text can
 * never become a javascript: or data: link.
 * @param {unknown} url
 * @returns {string | undefined}
 */
export function safeUrl(url) {
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The element with this id, of this type; a missing one is a bug in index.html.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id} is missing`);
  return node;
}

/** @type {WeakMap<Node, Map<string, { version: string, node: HTMLElement }>>} */
const drawn = new WeakMap();

/**
 * Makes `parent`'s children the views of `items`, in order, redrawing only the items whose version
 * changed and moving nodes only when their place changed. A refetch after a live hint then leaves
 * focus, an open menu and a screen reader's live region alone for everything that stayed the same.
 * @template T
 * @param {HTMLElement} parent
 * @param {T[]} items
 * @param {(item: T) => string} idOf
 * @param {(item: T) => string} versionOf
 * @param {(item: T) => HTMLElement} render
 */
export function reconcile(parent, items, idOf, versionOf, render) {
  const before = drawn.get(parent) ?? new Map();
  /** @type {Map<string, { version: string, node: HTMLElement }>} */
  const after = new Map();
  items.forEach((item, i) => {
    const id = idOf(item);
    const version = versionOf(item);
    const old = before.get(id);
    const node = old && old.version === version ? old.node : render(item);
    if (old && old.node !== node) old.node.replaceWith(node);
    after.set(id, { version, node });
    const at = parent.children[i];
    if (at !== node) parent.insertBefore(node, at ?? null);
  });
  for (const [id, { node }] of before) if (!after.has(id)) node.remove();
  // Anything else (an empty-list note) goes.
  while (parent.children.length > items.length) parent.lastElementChild?.remove();
  drawn.set(parent, after);
}
