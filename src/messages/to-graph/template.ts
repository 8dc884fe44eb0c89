// A template send → Meta's `template` object (WEBHOOKS §9.1). Both ways of writing it come out as
// Meta's components: the short form is spelled out, Meta's own form is taken as given. Pure: the
// header's media is uploaded before (the media pipeline), and only its id comes in; the check
// against the catalogue (templates/check.ts) reads the same components, with the media's link.
import type { GraphMessageContent, GraphTemplateComponent, GraphTemplateParameter } from '../../meta/graph-types.js';
import type { BodyValue, ShortTemplateHeader, TemplateMessage } from '../template-schema.js';

export interface TemplateBuildOptions {
  /**
   * A named template's header variable (the catalogue's), given to a short-form `header.text`,
   * which carries no name of its own.
   */
  headerParamName?: string;
}

export interface TemplateMediaUpload {
  /** Meta's media id of the header's file. */
  id: string;
  /** The display filename of a document header, as the media pipeline resolved it. */
  filename?: string;
}

function bodyParameter(value: BodyValue, name?: string): GraphTemplateParameter {
  const parameter_name = name === undefined ? {} : { parameter_name: name };
  if (typeof value === 'string') return { type: 'text', text: value, ...parameter_name };
  if (value.currency !== undefined) return { type: 'currency', currency: value.currency, ...parameter_name };
  return { type: 'date_time', date_time: value.date_time, ...parameter_name };
}

function headerParameter(h: ShortTemplateHeader, opts: TemplateBuildOptions): GraphTemplateParameter | undefined {
  if (h.text !== undefined)
    return {
      type: 'text',
      text: h.text,
      ...(opts.headerParamName !== undefined ? { parameter_name: opts.headerParamName } : {}),
    };
  if (h.image !== undefined) return { type: 'image', image: { link: h.image.url } };
  if (h.video !== undefined) return { type: 'video', video: { link: h.video.url } };
  if (h.document !== undefined)
    return {
      type: 'document',
      document: {
        link: h.document.url,
        ...(h.document.filename !== undefined ? { filename: h.document.filename } : {}),
      },
    };
  if (h.location !== undefined) return { type: 'location', location: h.location };
  return undefined;
}

/** The send's components in Meta's form, media by link: the short form spelled out, or `components`. */
export function templateComponents(
  template: TemplateMessage['template'],
  opts: TemplateBuildOptions = {},
): GraphTemplateComponent[] {
  if (template.components !== undefined) return template.components;
  const out: GraphTemplateComponent[] = [];
  const header = template.header === undefined ? undefined : headerParameter(template.header, opts);
  if (header !== undefined) out.push({ type: 'header', parameters: [header] });
  const body = template.body;
  if (Array.isArray(body)) {
    if (body.length > 0) out.push({ type: 'body', parameters: body.map((v) => bodyParameter(v)) });
  } else if (body !== undefined) {
    const entries = Object.entries(body);
    if (entries.length > 0) out.push({ type: 'body', parameters: entries.map(([n, v]) => bodyParameter(v, n)) });
  }
  for (const b of template.buttons ?? []) {
    if (b.payload !== undefined)
      out.push({
        type: 'button',
        sub_type: 'quick_reply',
        index: String(b.index),
        parameters: [{ type: 'payload', payload: b.payload }],
      });
    else if (b.url_suffix !== undefined)
      out.push({
        type: 'button',
        sub_type: 'url',
        index: String(b.index),
        parameters: [{ type: 'text', text: b.url_suffix }],
      });
    else if (b.coupon_code !== undefined)
      out.push({
        type: 'button',
        sub_type: 'copy_code',
        index: String(b.index),
        parameters: [{ type: 'coupon_code', coupon_code: b.coupon_code }],
      });
  }
  return out;
}

/** The header's media parameter, if the send has one: what the media pipeline must fetch. */
export function templateHeaderMedia(
  components: readonly GraphTemplateComponent[],
): { kind: 'image' | 'video' | 'document'; url: string; filename?: string } | undefined {
  const p = components.find((c) => c.type === 'header')?.parameters[0];
  if (p === undefined) return undefined;
  if (p.type === 'image' && p.image.link !== undefined) return { kind: 'image', url: p.image.link };
  if (p.type === 'video' && p.video.link !== undefined) return { kind: 'video', url: p.video.link };
  if (p.type === 'document' && p.document.link !== undefined)
    return {
      kind: 'document',
      url: p.document.link,
      ...(p.document.filename !== undefined ? { filename: p.document.filename } : {}),
    };
  return undefined;
}

/** The header's media by its uploaded id instead of the client's link (never sent by link). */
function byId(c: GraphTemplateComponent, media: TemplateMediaUpload | undefined): GraphTemplateComponent {
  if (c.type !== 'header') return c;
  const p = c.parameters[0];
  if (p === undefined || (p.type !== 'image' && p.type !== 'video' && p.type !== 'document')) return c;
  if (media === undefined) throw new Error('a template with a media header needs its uploaded media id');
  if (p.type === 'image') return { type: 'header', parameters: [{ type: 'image', image: { id: media.id } }] };
  if (p.type === 'video') return { type: 'header', parameters: [{ type: 'video', video: { id: media.id } }] };
  const filename = media.filename ?? p.document.filename;
  return {
    type: 'header',
    parameters: [{ type: 'document', document: { id: media.id, ...(filename !== undefined ? { filename } : {}) } }],
  };
}

/** Meta: `template: {name, language: {code, policy: "deterministic"}, components?}`. */
export function buildTemplateMessage(
  req: TemplateMessage,
  components: readonly GraphTemplateComponent[],
  media?: TemplateMediaUpload,
): Extract<GraphMessageContent, { type: 'template' }> {
  const sent = components.map((c) => byId(c, media));
  return {
    type: 'template',
    template: {
      name: req.template.name,
      language: { code: req.template.language, policy: 'deterministic' },
      ...(sent.length > 0 ? { components: sent } : {}),
    },
  };
}
