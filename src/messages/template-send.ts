// What the send path does for message_type "template" before and after Meta: the template from
// the organization's catalogue, checked (exists in that language, APPROVED, parameters that fit),
// and Meta's template errors answered in our words, with a resync of the catalogue. One read of
// the catalogue per send: everything is decided from that one snapshot, so a sync running at the
// same time gives the old answer or the new one, never a mix.
import { AppError, TemplateMismatch, TemplateNotApproved, TemplateNotFound, TemplateRefusedByMeta } from '../errors.js';
import type { GraphTemplateComponent } from '../meta/graph-types.js';
import type { GraphError } from '../meta/graph-errors.js';
import { publicMetaError } from '../meta/graph-errors.js';
import { checkTemplateSend, templateTexts } from '../templates/check.js';
import { expectationOf } from '../templates/params.js';
import type { StoredTemplate, TemplateCatalogue } from '../templates/types.js';
import type { TemplateMessage } from './template-schema.js';
import { templateComponents } from './to-graph/template.js';

export type TemplateLookup = Pick<TemplateCatalogue, 'find' | 'resync' | 'list'>;

/** Why a template that exists may not be sent, in words (Meta sends only APPROVED ones). */
function notApprovedMessage(t: StoredTemplate): string {
  const which = `Template ${JSON.stringify(t.name)} (${t.language}) is ${t.status}`;
  switch (t.status) {
    case 'PAUSED':
      return `${which}: Meta paused it for its quality (Meta's 132015). It can be sent again once Meta unpauses it.`;
    case 'DISABLED':
      return `${which}: Meta disabled it after it was paused repeatedly (Meta's 132016); it can no longer be sent.`;
    case 'PENDING':
    case 'IN_APPEAL':
      return `${which}: Meta has not approved it yet; only APPROVED templates can be sent.`;
    case 'REJECTED':
      return `${which}: Meta rejected it${t.rejectedReason && t.rejectedReason !== 'NONE' ? ` (${t.rejectedReason})` : ''}; only APPROVED templates can be sent.`;
    default:
      return `${which}; only APPROVED templates can be sent.`;
  }
}

/**
 * The send's components (Meta's form, media by link) once the template is found, approved and
 * every parameter fits; throws TemplateNotFound, TemplateNotApproved or TemplateMismatch.
 */
export async function checkedTemplate(
  catalogue: TemplateLookup,
  organizationId: string,
  req: TemplateMessage,
): Promise<GraphTemplateComponent[]> {
  const { name, language } = req.template;
  const template = await catalogue.find(organizationId, name, language);
  if (template === undefined) {
    const others = await catalogue.list(organizationId, { name, limit: '20' });
    throw new TemplateNotFound(
      name,
      language,
      others.data.filter((t) => t.name === name).map((t) => t.language),
    );
  }
  if (template.status !== 'APPROVED') throw new TemplateNotApproved(notApprovedMessage(template));
  const expectation = expectationOf(template.components, template.parameterFormat);
  const headerParam = expectation.parameterFormat === 'NAMED' ? expectation.header?.params[0] : undefined;
  const components = templateComponents(
    req.template,
    headerParam !== undefined ? { headerParamName: headerParam } : {},
  );
  const mismatches = checkTemplateSend(components, expectation, templateTexts(template.components));
  if (mismatches.length > 0)
    throw new TemplateMismatch(
      `Template ${JSON.stringify(name)} (${language}): ${mismatches.map((m) => m.message).join('; ')}. GET /api/templates shows what each template expects.`,
      { extra: { mismatches } },
    );
  return components;
}

// Meta's template errors (docs/META.md, templates): what each means, and our status for it.
const TEMPLATE_ERRORS: Readonly<Record<number, { status: number; says: string }>> = {
  132000: { status: 400, says: 'the number of parameters does not match the template' },
  132001: { status: 404, says: 'the template does not exist in this language, or is not approved' },
  132005: { status: 400, says: 'the text is too long once the variables are filled in' },
  132007: { status: 400, says: "the template's format or character policy was violated" },
  132012: {
    status: 400,
    says: "a parameter's format does not match the template (text where media is expected, or the reverse)",
  },
  132015: { status: 409, says: 'the template is paused for its quality' },
  132016: { status: 409, says: 'the template is disabled after repeated pauses' },
};

export function isTemplateError(code: number): boolean {
  return Object.hasOwn(TEMPLATE_ERRORS, code);
}

/** Meta's refusal of a template send, answered in our words; the caller asks for a resync. */
export function templateRefusal(req: TemplateMessage, error: GraphError): AppError {
  const known = TEMPLATE_ERRORS[error.code]!;
  const detail = error.details !== undefined ? ` (${error.details})` : '';
  return new TemplateRefusedByMeta(
    known.status,
    `Meta refused template ${JSON.stringify(req.template.name)} (${req.template.language}): ${known.says}${detail}. The template has changed at Meta since the gateway last read it; its catalogue is being synced again, and GET /api/templates will show what the template now expects.`,
    { meta_error: publicMetaError(error) },
  );
}
