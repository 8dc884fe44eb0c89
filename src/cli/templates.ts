// `flowiq templates sync|list`: an organization's template catalogue. sync reads it from Meta now
// (not rate-limited: an operator asked); list prints the stored catalogue with what each template
// expects, as GET /api/templates shows it.
import { InvalidProvider, MetaNotConfigured, NotFound } from '../errors.js';
import type { OrganizationRow } from '../organizations/store.js';
import type { AppContext } from '../server/context.js';
import { MAX_TEMPLATE_PAGE } from '../templates/catalogue.js';
import { toTemplateView, type TemplateView } from '../templates/view.js';
import { emit, optionalString, parse, required, UsageError, withContext, type Io } from './io.js';

const USAGE = `usage: flowiq templates sync --org SLUG
       flowiq templates list --org SLUG [--status S] [--name N] [--language L]`;

async function organization(ctx: AppContext, slug: string): Promise<OrganizationRow> {
  const org = await ctx.organizationStore.findBySlug(slug);
  if (!org) throw new NotFound(`no organization with slug "${slug}"`);
  if (org.whatsapp_provider_choice !== 'meta') throw new InvalidProvider(org.whatsapp_provider_choice);
  return org;
}

/** One template on one line: what it is, then what a send of it must supply. */
export function describeTemplate(t: TemplateView): string {
  const vars = (params: string[]) => params.map((p) => `{{${p}}}`).join(',');
  const e = t.expects;
  const parts = [
    e.header ? `header ${e.header.format}${e.header.params.length ? ` ${vars(e.header.params)}` : ''}` : undefined,
    `body ${e.body.params.length ? vars(e.body.params) : '(none)'}`,
    ...e.buttons.map((b) => `button ${b.index} ${b.type}${b.params.length ? ` ${vars(b.params)}` : ''}`),
  ].filter((p) => p !== undefined);
  return [
    t.name,
    t.language,
    t.status,
    t.category,
    e.parameter_format.toLowerCase(),
    ...(t.quality !== null ? [`quality ${t.quality}`] : []),
    ...(t.rejected_reason !== null ? [`rejected: ${t.rejected_reason}`] : []),
    `expects ${parts.join('; ')}`,
  ].join('  ');
}

export async function templatesCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'sync') {
    const p = parse(rest, { org: { type: 'string' } });
    const slug = required(p, 'org');
    const result = await withContext(async (ctx) => ctx.templates.sync((await organization(ctx, slug)).id));
    emit(
      io,
      p.json,
      result,
      `Synced ${result.stored} templates of WhatsApp Business Account ${result.wabaId} for ${slug} ` +
        `(${result.pages} ${result.pages === 1 ? 'page' : 'pages'}; ${result.removed} no longer at Meta, removed)`,
    );
    return 0;
  }
  if (sub === 'list') {
    const p = parse(rest, {
      org: { type: 'string' },
      status: { type: 'string' },
      name: { type: 'string' },
      language: { type: 'string' },
    });
    const slug = required(p, 'org');
    const filter = {
      status: optionalString(p, 'status'),
      name: optionalString(p, 'name'),
      language: optionalString(p, 'language'),
    };
    const templates = await withContext(async (ctx) => {
      const org = await organization(ctx, slug);
      if (!org.meta_waba_id) throw new MetaNotConfigured(['meta_waba_id']);
      const all: TemplateView[] = [];
      let cursor: string | undefined;
      do {
        const page = await ctx.templates.list(org.id, { ...filter, limit: String(MAX_TEMPLATE_PAGE), cursor });
        all.push(...page.data.map(toTemplateView));
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined);
      return all;
    });
    emit(
      io,
      p.json,
      { templates: templates },
      templates.length === 0
        ? `No templates stored for ${slug}${filter.status || filter.name || filter.language ? ' match' : ''}; \`flowiq templates sync --org ${slug}\` reads them from Meta`
        : templates.map(describeTemplate).join('\n'),
    );
    return 0;
  }
  throw new UsageError(sub === undefined ? USAGE : `unknown templates command "${sub}"\n${USAGE}`);
}
