// A stored template as the API and the CLI show it: Meta's fields and what a send must supply.
import { expectationOf } from './params.js';
import type { StoredTemplate } from './types.js';

export interface TemplateView {
  name: string;
  language: string;
  status: string;
  category: string;
  quality: string | null;
  rejected_reason: string | null;
  meta_template_id: string;
  expects: {
    parameter_format: 'POSITIONAL' | 'NAMED';
    header: { format: string; params: string[] } | null;
    body: { params: string[] };
    buttons: { index: number; type: string; params: string[] }[];
  };
  components: unknown[];
  synced_at: string;
}

export function toTemplateView(t: StoredTemplate): TemplateView {
  const e = expectationOf(t.components, t.parameterFormat);
  return {
    name: t.name,
    language: t.language,
    status: t.status,
    category: t.category,
    quality: t.quality,
    rejected_reason: t.rejectedReason,
    meta_template_id: t.metaId,
    expects: { parameter_format: e.parameterFormat, header: e.header ?? null, body: e.body, buttons: e.buttons },
    components: t.components,
    synced_at: t.syncedAt,
  };
}
