// Fixtures for the catalogue's tests: Meta's template pages served by a stand-in for the Graph
// client (what crosses the wire is tested against the simulator), and an organization with a
// WhatsApp Business Account id and a token.
import type { GraphTemplatesPage } from '../../src/meta/graph-types.js';
import type { MetaClient } from '../../src/meta/client.js';
import { TemplateCatalogueService, type CatalogueOptions } from '../../src/templates/catalogue.js';
import { TemplateStore } from '../../src/templates/store.js';
import type { AppContext } from '../../src/server/context.js';
import { seedTenant, type Tenant } from '../helpers/app.js';

export const WABA_ID = '102290129340398';
export const TOKEN = 'EAAG-template-tests-token-0123';

let seq = 0;

/** An organization of `metaApp` (if given) with a WABA id and a token, as a sync needs. */
export async function seedCatalogueTenant(
  ctx: AppContext,
  opts: { wabaId?: string | null; metaApp?: string } = {},
): Promise<Tenant> {
  seq++;
  const t = await seedTenant(ctx, { phoneId: `4440${process.pid % 1000}${seq}`, token: TOKEN });
  await ctx.organizations.update(t.slug, {
    ...(opts.wabaId === null ? {} : { metaWabaId: opts.wabaId ?? WABA_ID }),
    ...(opts.metaApp ? { metaApp: opts.metaApp } : {}),
  });
  return t;
}

export function template(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: String(900000 + ((over['n'] as number | undefined) ?? name.length * 7919)),
    name,
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [{ type: 'BODY', text: 'Hello {{1}}, order {{2}}' }],
    ...over,
  };
}

export interface FakeGraph extends Pick<MetaClient, 'getMessageTemplates'> {
  /** Every call: the WABA id, the token and the cursor asked for. */
  calls: { wabaId: string; token: string; after: string | undefined; limit: number }[];
  /** What Meta holds now; the pages are cut from it on each call. */
  templates: Record<string, unknown>[];
  /** Answers wait on this while it is set (for concurrent askers). */
  gate: Promise<void> | undefined;
  /** Thrown by the next call instead of answering. */
  fail: Error | undefined;
}

/** Meta's paging: cursors are positions; `next` only while more follow. */
export function fakeGraph(templates: Record<string, unknown>[]): FakeGraph {
  const g: FakeGraph = {
    calls: [],
    templates,
    gate: undefined,
    fail: undefined,
    getMessageTemplates: async (wabaId, token, opts) => {
      g.calls.push({ wabaId, token, after: opts.after, limit: opts.limit });
      if (g.gate) await g.gate;
      if (g.fail) {
        const err = g.fail;
        g.fail = undefined;
        throw err;
      }
      const start = opts.after === undefined ? 0 : Number(Buffer.from(opts.after, 'base64').toString());
      const data = g.templates.slice(start, start + opts.limit);
      const end = start + data.length;
      const page: GraphTemplatesPage = { data };
      const cursors = {
        before: Buffer.from(String(start)).toString('base64'),
        after: Buffer.from(String(end)).toString('base64'),
      };
      page.paging =
        end < g.templates.length ? { cursors, next: `https://graph.example/next?after=${cursors.after}` } : { cursors };
      return page;
    },
  };
  return g;
}

export function catalogueOf(
  ctx: AppContext,
  meta: CatalogueOptions['meta'],
  over: Partial<CatalogueOptions> = {},
): TemplateCatalogueService {
  return new TemplateCatalogueService({
    store: new TemplateStore(ctx.db),
    meta,
    organizations: ctx.organizationStore,
    decryptToken: (org) => ctx.organizations.decryptToken(org),
    log: { warn: () => {} },
    ...over,
  });
}
