// The inbox page in a real browser (Debian's Chromium through playwright-core) against a listening
// gateway and the Meta simulator: an agent sets a password from the link and signs in, a customer's
// messages appear live, the agent answers, ticks turn with Meta's statuses, a failure shows its
// reason and closes the window, a template goes out instead, another organization sees nothing, and
// sign-out ends access. Screenshots go to test-artifacts/inbox/; axe-core checks each main screen.
// One browser for the file; scenarios run in order on one page, as an agent's day would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { MetaSimReadReceipts } from '../../meta-sim/index.js';
import { SAMPLES } from '../../src/cli/demo-media.js';
import { PASSWORD } from '../agents/helpers.js';
import { launchBrowser, openPage, screenshot, seriousViolations, signIn, type TestBrowser } from './browser.js';
import { CUSTOMER, startBrowserWorld, until, type BrowserWorld } from './world.js';

let world: BrowserWorld;
let chrome: TestBrowser;
let context: BrowserContext;
let page: Page;
/** What the browser reported against the page's CSP, or as an error: nothing, at the end. */
const problems: string[] = [];

const newPage = (ctx: BrowserContext) => openPage(ctx, problems);

async function expectAccessible(p: Page) {
  expect(await seriousViolations(p)).toEqual([]);
}

const customerWrites = async (body: string) =>
  (await world.sim.webhooks.inbound({ type: 'text', from: CUSTOMER, name: 'Thandi', text: { body } })).messages[0] as {
    id: string;
  };

/** The message whose own text (not a quote of it) is `text`. */
const bubble = (text: string) =>
  page.locator('li.message').filter({ has: page.locator('p.text', { hasText: new RegExp(`^${literal(text)}$`) }) });
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const receipts = () => (world.sim as typeof world.sim & MetaSimReadReceipts).readReceipts();

/** Our message the simulator received with this text. */
const simReceived = (text: string) =>
  until(`the simulator receiving “${text}”`, async () =>
    world.sim.messages().find((m) => JSON.stringify(m.payload).includes(text)),
  );

beforeAll(async () => {
  [world, chrome] = await Promise.all([startBrowserWorld(), launchBrowser()]);
  context = await chrome.browser.newContext({ baseURL: world.base });
  page = await newPage(context);
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await world?.close();
});

describe('the inbox page in Chromium', () => {
  it('sets the password from the one-time link, then signs in', async () => {
    const agent = await world.agent(world.tenant.slug);
    await page.goto(agent.link.replace(/^https?:\/\/[^/]+/, world.base));
    await page.getByRole('heading', { name: 'Set your password' }).waitFor();
    await screenshot(page, '01-set-password');
    await expectAccessible(page);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('The same again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Your password is set').waitFor();
    expect(new URL(page.url()).pathname).toBe('/inbox');
    await screenshot(page, '02-sign-in');
    await expectAccessible(page);
    await signIn(page, world.tenant.slug, agent.email);
    await page.getByText('Live').waitFor();
  });

  it('shows a customer’s new message live, without a reload', async () => {
    const first = await customerWrites('Is my order on its way?');
    const item = page.locator('button.conversation', { hasText: 'Thandi' });
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain('Is my order on its way?');
    await expect(item.locator('.badge').textContent()).resolves.toBe('1');
    await screenshot(page, '03-list');
    await item.click();
    await bubble('Is my order on its way?').waitFor();
    // Opening it marks it read: Meta's read receipt for the customer's message, the badge gone.
    await until('the read receipt', async () => receipts().find((r) => r.messageId === first.id && !r.typing));
    await item.locator('.badge').waitFor({ state: 'detached' });
    // A second message while the conversation is open lands in it, once, and the agent's focus
    // (on the first message's reply button) stays where it was: unchanged messages are not redrawn.
    await bubble('Is my order on its way?').getByRole('button', { name: 'Reply to this message' }).focus();
    await customerWrites('Order 42, placed Monday');
    await bubble('Order 42, placed Monday').waitFor();
    expect(await bubble('Is my order on its way?').count()).toBe(1);
    await expect(
      bubble('Is my order on its way?')
        .getByRole('button', { name: 'Reply to this message' })
        .evaluate((b) => (b.ownerDocument as unknown as { activeElement: unknown }).activeElement === b),
    ).resolves.toBe(true);
  });

  it('sends the agent’s answer, which the simulator receives, and turns its tick', async () => {
    await page.getByLabel('Message', { exact: true }).pressSequentially('It left');
    await until('the typing indicator', async () => receipts().find((r) => r.typing));
    await page.getByLabel('Message', { exact: true }).fill('It left the warehouse this morning.');
    await page.getByRole('button', { name: 'Send' }).click();
    const sent = await simReceived('It left the warehouse this morning.');
    const mine = bubble('It left the warehouse this morning.');
    await mine.locator('.tick[data-status="sent"]').waitFor();
    await expect(mine.locator('.sent-by').textContent()).resolves.toBe('Agent 1');
    await world.sim.webhooks.emitStatuses([{ wamid: sent.wamid, status: 'delivered' }]);
    await mine.locator('.tick[data-status="delivered"]').waitFor();
    await world.sim.webhooks.emitStatuses([{ wamid: sent.wamid, status: 'read' }]);
    await mine.locator('.tick[data-status="read"]').waitFor();
    await expect(mine.locator('.tick').getAttribute('title')).resolves.toBe('Read');
  });

  it('replies to a chosen message and reacts to it', async () => {
    const target = bubble('Order 42, placed Monday');
    await target.getByRole('button', { name: 'Reply to this message' }).click();
    await page.getByLabel('Message', { exact: true }).fill('Thanks, found it.');
    await page.keyboard.press('Enter');
    const reply = await simReceived('Thanks, found it.');
    expect((reply.payload as { context?: { message_id: string } }).context?.message_id).toMatch(/^wamid\./);
    await bubble('Thanks, found it.').locator('blockquote.quoted', { hasText: 'Order 42, placed Monday' }).waitFor();
    // By keyboard alone: the react button opens its menu, Tab reaches the first emoji, Enter sends it.
    await target.getByRole('button', { name: 'React to this message' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await expect(
      target.getByRole('button', { name: 'React 👍' }).evaluate((b) => b === b.ownerDocument.activeElement),
    ).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await until('the reaction at the simulator', async () => world.sim.messages().find((m) => m.type === 'reaction'));
    await target.locator('.reactions li', { hasText: '👍' }).waitFor();
    await screenshot(page, '04-conversation');
    await expectAccessible(page);
  });

  it('draws an inbound image and document', async () => {
    const pngBytes = SAMPLES['.png']!.bytes();
    const pdfBytes = SAMPLES['.pdf']!.bytes();
    await world.sim.webhooks.inbound({
      type: 'image',
      from: CUSTOMER,
      image: { data: pngBytes.toString('base64'), mime_type: 'image/png', caption: 'The parcel' },
    });
    await world.sim.webhooks.inbound({
      type: 'document',
      from: CUSTOMER,
      document: { data: pdfBytes.toString('base64'), mime_type: 'application/pdf', filename: 'receipt.pdf' },
    });
    const image = bubble('The parcel').locator('img');
    await until('the image loaded', async () =>
      (await image.count()) === 1 &&
      (await image.evaluate((i) => {
        const img = i as unknown as { complete: boolean; naturalWidth: number };
        return img.complete && img.naturalWidth > 0;
      }))
        ? true
        : undefined,
    );
    const doc = page.locator('li.message[data-type="document"]');
    await doc.getByRole('link', { name: /receipt\.pdf/ }).waitFor();
    await until('the document size', async () =>
      (await doc.locator('.doc-size').textContent())?.includes(`${pdfBytes.length} B`) ? true : undefined,
    );
  });

  it('draws locations, contact cards, buttons and lists as sent, and the customer’s taps', async () => {
    const sent = await world.gw.app.inject({
      method: 'POST',
      url: `/send-whatsapp?tenantId=${world.tenant.slug}`,
      headers: { authorization: `Bearer ${world.tenant.key}`, 'content-type': 'application/json' },
      payload: JSON.stringify({
        phone_number: `+${CUSTOMER}`,
        message_type: 'interactive',
        interactive: {
          type: 'list',
          body: 'Where should we deliver?',
          button: 'Choose',
          sections: [{ title: 'Options', rows: [{ id: 'home', title: 'Home', description: 'The usual address' }] }],
        },
      }),
    });
    expect(sent.statusCode, sent.body).toBe(200);
    const from = CUSTOMER;
    await world.sim.webhooks.inbound([
      { type: 'interactive', from, interactive: { type: 'list_reply', list_reply: { id: 'home', title: 'Home' } } },
      { type: 'location', from, location: { latitude: -33.9249, longitude: 18.4241, name: 'Cape Town Office' } },
      {
        type: 'contacts',
        from,
        contacts: [
          { name: { formatted_name: 'John Doe', first_name: 'John' }, phones: [{ phone: '+27 98 765 4321' }] },
        ],
      },
    ]);
    const list = page.locator('li.message.outbound[data-type="interactive"]');
    await list.getByText('Where should we deliver?').waitFor();
    await expect(list.locator('.rows li').textContent()).resolves.toBe('Home — The usual address');
    await page.locator('li.message.inbound[data-type="interactive"]', { hasText: 'Chose from the list' }).waitFor();
    const location = page.locator('li.message[data-type="location"]');
    await location.getByText('-33.92490, 18.42410').waitFor();
    const map = await location.getByRole('link', { name: 'Open map' }).getAttribute('href');
    expect(map).toMatch(/^https:\/\/www\.openstreetmap\.org\/\?mlat=-33\.9249&mlon=18\.4241/);
    await page.locator('li.message[data-type="contacts"] .card', { hasText: 'John Doe' }).waitFor();
    await screenshot(page, '04b-message-types');
    await expectAccessible(page);
  });

  it('uploads a file from the agent’s computer and sends it with its caption', async () => {
    const pngBytes = SAMPLES['.png']!.bytes();
    await page
      .getByLabel('Attach a file')
      .setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: pngBytes });
    await page.getByLabel('Message', { exact: true }).fill('Your shipping label');
    await page.getByRole('button', { name: 'Send' }).click();
    const sent = await until('the image at the simulator', async () =>
      world.sim.messages().find((m) => m.type === 'image'),
    );
    expect((sent.payload as { image: { caption: string; id: string } }).image).toMatchObject({
      caption: 'Your shipping label',
      id: expect.any(String),
    });
    const image = bubble('Your shipping label').locator('img');
    await until('our image shown', async () =>
      (await image.count()) === 1 &&
      (await image.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0))
        ? true
        : undefined,
    );
    await expect(page.getByLabel('Attach a file').inputValue()).resolves.toBe('');
  });

  it('catches up after a dropped connection, without losing or repeating a message', async () => {
    // The stream drops and cannot come back for a while; the customer writes meanwhile.
    await page.route('**/inbox/api/stream', (route) => route.abort());
    world.gw.app.server.closeAllConnections();
    await page.getByText('Reconnecting…', { exact: true }).waitFor();
    await customerWrites('Written while the page was away');
    await page.unroute('**/inbox/api/stream');
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    await bubble('Written while the page was away').waitFor();
    expect(await bubble('Written while the page was away').count()).toBe(1);
    expect(await bubble('Order 42, placed Monday').count()).toBe(1);
  });

  it('marks a failed message with Meta’s reason in words, and says the window closed', async () => {
    world.sim.webhooks.injectStatusFault({ to: CUSTOMER, failed: { code: 131047 } });
    await page.getByLabel('Message', { exact: true }).fill('Are you still there?');
    await page.getByRole('button', { name: 'Send' }).click();
    const failed = bubble('Are you still there?');
    await failed.locator('.failure').waitFor();
    await expect(failed.locator('.failure').textContent()).resolves.toContain('only a template can be sent');
    await expect(failed.locator('.tick').getAttribute('title')).resolves.toBe('Failed');
    // Meta's refusal with 131047 closes the window: the box says so instead of offering a text box.
    await page.getByText('The 24-hour window is closed').waitFor();
    await expect(page.getByLabel('Message', { exact: true }).isVisible()).resolves.toBe(false);
    await screenshot(page, '05-failed-window-closed');
  });

  it('offers the templates when the window is closed, and sends the one chosen with its parameters', async () => {
    // The box offers the organization's approved templates (GET /inbox/api/templates) instead.
    await page.getByLabel('Template', { exact: true }).selectOption({ label: 'order_update (en_US)' });
    await page.getByLabel('Body {{1}}').fill('Thandi');
    await page.getByLabel('Body {{2}}').fill('42');
    await screenshot(page, '06-template-picker');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Send template' }).click();
    const sent = await until('the template at the simulator', async () =>
      world.sim.messages().find((m) => m.type === 'template'),
    );
    expect((sent.payload as { template: { name: string } }).template.name).toBe('order_update');
    expect(JSON.stringify(sent.payload)).toContain('"text":"Thandi"');
    await page.locator('li.message[data-type="template"]', { hasText: 'order_update' }).waitFor();
  });

  it('is readable at phone width', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole('button', { name: '← Conversations' }).waitFor();
    // The tests' TypeScript has no DOM library: the page's globals are described where they are used.
    const overflow = await page.evaluate(() => {
      const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return w.document.documentElement.scrollWidth - w.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, '07-phone-conversation');
    await page.getByRole('button', { name: '← Conversations' }).click();
    await page.locator('button.conversation', { hasText: 'Thandi' }).waitFor();
    await screenshot(page, '08-phone-list');
    await expectAccessible(page);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows another organization’s agent none of it', async () => {
    const other = await world.otherOrganization();
    const otherContext = await chrome.browser.newContext({ baseURL: world.base });
    const otherPage = await newPage(otherContext);
    await otherPage.goto(other.link.replace(/^https?:\/\/[^/]+/, world.base));
    await otherPage.getByLabel('New password').fill(PASSWORD);
    await otherPage.getByLabel('The same again').fill(PASSWORD);
    await otherPage.getByRole('button', { name: 'Set password' }).click();
    await signIn(otherPage, other.slug, other.email);
    await otherPage.getByText('No conversation matches.').waitFor();
    await otherPage.getByLabel('Search conversations').fill('order');
    await otherPage.getByText('No conversation matches.').waitFor();
    const id = await page.locator('button.conversation').first().getAttribute('data-conversation-id');
    const status = await otherPage.evaluate(
      async (cid) => (await fetch(`/inbox/api/conversations/${cid}/messages`)).status,
      id,
    );
    expect(status).toBe(404);
    await otherContext.close();
  });

  it('ends access at sign-out', async () => {
    const session = await context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    // The session ended at the gateway, not only in this browser: its cookie, put back, is refused.
    await context.addCookies(session);
    expect(await page.evaluate(async () => (await fetch('/inbox/api/conversations')).status)).toBe(401);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to the inbox' }).waitFor();
    expect(problems).toEqual([]);
  });
});
