// What the send path does for message_type "template" before and after Meta: the template from
// the organization's catalogue, checked (exists in that language, APPROVED, parameters that fit),
// and Meta's template errors answered in our words, with a resync of the catalogue. One read of
// the catalogue per send: everything is decided from that one snapshot, so a sync running at the
// same time gives the old answer or the new one, never a mix.
import { AppError, TemplateMismatch, TemplateNotApproved, TemplateNotFound, TemplateRefusedByMeta } from '../errors.js';
import type { GraphTemplateComponent } from '../meta/graph-types.js';
import type { GraphError } from '../meta/graph-errors.js';
import { publicMetaError } from '../meta/graph-errors.js';
import { checkTemplateSend, templateTexts, type TemplateTexts } from '../templates/check.js';
import { expectationOf, type TemplateExpectation } from '../templates/params.js';
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

/** One read of the catalogue, and what the check derives from it. */
interface Snapshot {
  template: StoredTemplate;
  expectation: TemplateExpectation;
  texts: TemplateTexts;
}

/**
 * The check of a template send against the organization's catalogue. A template read is reused
 * for `cacheMs` (a stream of sends of one template reads the catalogue once a second, not once a
 * send); a Meta template error drops the organization's entries, and a sync is seen within `cacheMs`.
 * A template that is not found is never kept.
 */
export class TemplateChecks {
  readonly #snapshots = new Map<string, { snapshot: Snapshot; until: number }>();

  constructor(
    private readonly catalogue: TemplateLookup,
    private readonly cacheMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The send's components (Meta's form, media by link) once the template is found, approved and
   * every parameter fits; throws TemplateNotFound, TemplateNotApproved or TemplateMismatch.
   */
  check(organizationId: string, req: TemplateMessage): GraphTemplateComponent[] | Promise<GraphTemplateComponent[]> {
    const { name, language } = req.template;
    // A kept template is checked without a promise or a microtask turn, as a cached contact is.
    const snapshot = this.#snapshot(organizationId, name, language);
    return snapshot instanceof Promise ? snapshot.then((s) => this.#checkWith(s, req)) : this.#checkWith(snapshot, req);
  }

  #checkWith({ template, expectation, texts }: Snapshot, req: TemplateMessage): GraphTemplateComponent[] {
    const { name, language } = req.template;
    if (template.status !== 'APPROVED') throw new TemplateNotApproved(notApprovedMessage(template));
    const headerParam = expectation.parameterFormat === 'NAMED' ? expectation.header?.params[0] : undefined;
    const components = templateComponents(
      req.template,
      headerParam !== undefined ? { headerParamName: headerParam } : {},
    );
    const mismatches = checkTemplateSend(components, expectation, texts);
    if (mismatches.length > 0)
      throw new TemplateMismatch(
        `Template ${JSON.stringify(name)} (${language}): ${mismatches.map((m) => m.message).join('; ')}. GET /api/templates shows what each template expects.`,
        { extra: { mismatches } },
      );
    return components;
  }

  /** Meta refused a template of this organization: its catalogue is out of date. */
  resync(organizationId: string): void {
    for (const key of this.#snapshots.keys()) if (key.startsWith(`${organizationId}\0`)) this.#snapshots.delete(key);
    this.catalogue.resync(organizationId);
  }

  #snapshot(organizationId: string, name: string, language: string): Snapshot | Promise<Snapshot> {
    const key = `${organizationId}\0${name}\0${language}`;
    const now = this.now();
    const hit = this.#snapshots.get(key);
    if (hit !== undefined && now < hit.until) return hit.snapshot;
    return this.#read(key, organizationId, name, language, now);
  }

  async #read(key: string, organizationId: string, name: string, language: string, now: number): Promise<Snapshot> {
    const template = await this.catalogue.find(organizationId, name, language);
    if (template === undefined) {
      this.#snapshots.delete(key);
      const others = await this.catalogue.list(organizationId, { name, limit: '20' });
      throw new TemplateNotFound(
        name,
        language,
        others.data.filter((t) => t.name === name).map((t) => t.language),
      );
    }
    const snapshot: Snapshot = {
      template,
      expectation: expectationOf(template.components, template.parameterFormat),
      texts: templateTexts(template.components),
    };
    if (this.cacheMs > 0) {
      if (this.#snapshots.size >= 10_000) this.#snapshots.clear(); // bounded; refilled by the next sends
      this.#snapshots.set(key, { snapshot, until: now + this.cacheMs });
    }
    return snapshot;
  }
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
