// GET /api/templates: the organization's template catalogue, each template with what a send of it
// must supply. It reads the stored catalogue only; the job, the CLI and the send path's misses sync it.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Tenant } from '../auth/service.js';
import type { OrganizationRow } from '../organizations/store.js';
import { InvalidProvider, MetaNotConfigured } from '../errors.js';
import { ErrorSchema } from '../http/schemas.js';
import type { TemplateCatalogue } from './types.js';
import { ListTemplatesQuery, TemplateListSchema } from './schema.js';
import { toTemplateView } from './view.js';

/** Registered in the tenant API scope, which authenticates and rate-limits (server/scopes.ts). */
export interface TemplateRoutesOptions {
  templates: Pick<TemplateCatalogue, 'list'>;
}

/** A catalogue is a WhatsApp Business Account's: without its id there is none to list. */
export const assertCatalogue = (org: OrganizationRow): void => {
  if (org.whatsapp_provider_choice !== 'meta') throw new InvalidProvider(org.whatsapp_provider_choice);
  if (!org.meta_waba_id) throw new MetaNotConfigured(['meta_waba_id']);
};
const hasCatalogue = (tenant: Tenant): void => assertCatalogue(tenant.organization);

export const LIST_TEMPLATES_DESCRIPTION =
  "The templates of the organization's WhatsApp Business Account as last synced from Meta (at start, " +
  'every TEMPLATES_SYNC_INTERVAL, on `flowiq templates sync`, and on Meta’s template webhooks), by name ' +
  'then language. `expects` says what a send of each must supply.';

export async function templateRoutes(fastify: FastifyInstance, opts: TemplateRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/templates',
    {
      config: { tenantCheck: hasCatalogue },
      schema: {
        tags: ['templates'],
        summary: "List the organization's message templates and the parameters each expects",
        description: LIST_TEMPLATES_DESCRIPTION,
        querystring: ListTemplatesQuery,
        response: {
          200: TemplateListSchema,
          400: ErrorSchema,
          401: ErrorSchema,
          404: ErrorSchema,
          429: ErrorSchema,
        },
      },
    },
    async (request) => {
      const { tenantId: _tenant, ...query } = request.query;
      const page = await opts.templates.list(request.tenant.organization.id, query);
      return { success: true as const, data: page.data.map(toTemplateView), next_cursor: page.next_cursor };
    },
  );
}
