// startMetaSim: a state, a server on loopback, and the MetaSim handle over both.
import { parseFault } from './fault-parse.js';
import type { MetaSimReadReceipts } from './read-receipts.js';
import { buildSimServer } from './server.js';
import { SimState } from './state.js';
import type { MetaSimTemplateControls } from './templates-types.js';
import { changeTemplate } from './templates-webhooks.js';
import { postInbound } from './webhook-inbound.js';
import { parseApp, parseStatusFault } from './webhook-parse.js';
import type { MetaSimAllOptions, MetaSimWebhooks, MetaSimWithWebhooks } from './webhook-types.js';

export async function startMetaSim(opts: MetaSimAllOptions = {}): Promise<MetaSimWithWebhooks & MetaSimReadReceipts> {
  const state = new SimState(opts);
  const app = await buildSimServer(state, opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await app.close();
    await state.webhooks.close();
    throw new Error('meta-sim: the server did not bind to a TCP port');
  }
  const port = address.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    addPhone: (phoneId, token) => state.addPhone(phoneId, token),
    injectFault: (f) => state.faults.add(parseFault(f)),
    clearFaults: () => state.faults.clear(),
    messages: () => state.messages(),
    uploads: () => state.uploads(),
    readReceipts: () => state.readReceipts.list(),
    counts: () => ({ ...state.counts }),
    reset: () => state.reset(),
    webhooks: webhooksHandle(state, url),
    ...templateControls(state),
    close: async () => {
      await app.close();
      await state.webhooks.close();
    },
  };
}

function webhooksHandle(state: SimState, url: string): MetaSimWebhooks {
  const side = state.webhooks;
  return {
    addApp: (app) => side.dispatcher.addApp(parseApp(app)),
    removeApps: () => side.dispatcher.removeApps(),
    configure: (config) => side.configure(config),
    config: () => side.config(),
    setPhoneInfo: (phoneId, info) => side.phones.set(phoneId, info),
    phoneInfo: (phoneId) => side.phones.get(phoneId),
    injectStatusFault: (f) => side.statuses.faults.add(parseStatusFault(f)),
    clearStatusFaults: () => side.statuses.faults.clear(),
    emitStatuses: (items) => {
      const accepted = state.acceptedByWamid();
      return side.statuses.emit(items, (w) => accepted.get(w));
    },
    inbound: (message) => postInbound(state, Array.isArray(message) ? { messages: message } : message, url),
    deliveries: () => side.dispatcher.deliveries(),
    verify: (target) => side.dispatcher.verify(target),
  };
}

function templateControls(state: SimState): MetaSimTemplateControls {
  const templates: MetaSimTemplateControls['templates'] = {
    add: (wabaId, template) => state.templates.add(wabaId, template),
    update: (id, change) => changeTemplate(state, id, change),
    list: (wabaId) => state.templates.list(wabaId),
    clear: (wabaId) => state.templates.clear(wabaId),
  };
  return {
    templates,
    addTemplate: (wabaId, template) => state.templates.add(wabaId, template),
    setTemplateStatus: (id, status, reason) =>
      changeTemplate(state, id, reason === undefined ? { status } : { status, reason }),
    wabaOf: (phoneId) => state.wabaOf(phoneId),
    windows: {
      mode: () => state.windows.mode,
      setMode: (mode) => {
        state.windows.mode = mode;
      },
      open: (phoneId, waId, atMs) => state.windows.set(phoneId, waId, atMs ?? state.clock.now()),
      close: (phoneId, waId) => state.windows.set(phoneId, waId, null),
      lastInbound: (phoneId, waId) => state.windows.lastInbound(phoneId, waId),
    },
    clock: {
      now: () => state.clock.now(),
      set: (atMs) => state.clock.set(atMs),
      advance: (ms) => state.clock.advance(ms),
      reset: () => state.clock.clear(),
    },
  };
}
