// GET /inbox/api/templates: the signed-in agent's organization's template catalogue, for the page's
// template picker when a conversation's window is closed. The same answer as the tenant API's
// GET /api/templates (templates/routes.ts), its organization taken from the session.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { callerOrganization, forCaller, inboxErrors } from '../conversations/inbox-routes.js';
import type { OrganizationStore } from '../organizations/store.js';
import { assertCatalogue, LIST_TEMPLATES_DESCRIPTION } from '../templates/routes.js';
import { ListTemplatesQuery, TemplateListSchema } from '../templates/schema.js';
import type { TemplateCatalogue } from '../templates/types.js';
import { toTemplateView } from '../templates/view.js';

export interface InboxTemplateRoutesOptions {
  templates: Pick<TemplateCatalogue, 'list'>;
  organizations: OrganizationStore;
}

export async function inboxTemplateRoutes(fastify: FastifyInstance, opts: InboxTemplateRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const org = callerOrganization('agent', opts.organizations);
  app.get(
    '/inbox/api/templates',
    {
      schema: {
        tags: ['inbox'],
        summary: "List the organization's message templates (for the inbox's template picker)",
        description: LIST_TEMPLATES_DESCRIPTION,
        querystring: forCaller('agent', ListTemplatesQuery),
        response: { 200: TemplateListSchema, ...inboxErrors('agent', 'GET') },
      },
    },
    async (request) => {
      const row = await org.row(request);
      assertCatalogue(row);
      const query = request.query as Parameters<TemplateCatalogue['list']>[1];
      const page = await opts.templates.list(row.id, query);
      return { success: true as const, data: page.data.map(toTemplateView), next_cursor: page.next_cursor };
    },
  );
}
