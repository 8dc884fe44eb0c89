// The templates of each WhatsApp Business Account, keyed as Meta keys them: by (name, language),
// since one name has a translation per language. Kept in the order created (a replacement keeps its
// place), which is the order GET /{waba-id}/message_templates pages through.
import { parseTemplate, TemplateParseError, type StoredTemplate } from './templates-parse.js';
import type { SimTemplate } from './templates-types.js';

export class TemplateCatalogue {
  private readonly byWaba = new Map<string, Map<string, StoredTemplate>>();
  private readonly byId = new Map<string, StoredTemplate>();

  /** Creates or replaces the template of this name and language; answers its public view. */
  add(wabaId: string, raw: unknown): SimTemplate {
    const t = parseTemplate(wabaId, raw);
    const list = this.byWaba.get(wabaId) ?? new Map<string, StoredTemplate>();
    const key = keyOf(t.view.name, t.view.language);
    const previous = list.get(key);
    const holder = this.byId.get(t.view.id);
    if (holder !== undefined && holder !== previous)
      throw new TemplateParseError(`id ${t.view.id} is already another template's`);
    if (previous !== undefined) this.byId.delete(previous.view.id);
    list.set(key, t);
    this.byWaba.set(wabaId, list);
    this.byId.set(t.view.id, t);
    return copy(t.view);
  }

  find(wabaId: string, name: string, language: string): StoredTemplate | undefined {
    return this.byWaba.get(wabaId)?.get(keyOf(name, language));
  }

  get(id: string): StoredTemplate | undefined {
    return this.byId.get(id);
  }

  /** The templates of a WABA, in order (the stored objects: callers must not change them). */
  of(wabaId: string): StoredTemplate[] {
    return [...(this.byWaba.get(wabaId)?.values() ?? [])];
  }

  has(wabaId: string): boolean {
    return this.byWaba.has(wabaId);
  }

  list(wabaId?: string): SimTemplate[] {
    const wabas = wabaId === undefined ? [...this.byWaba.keys()] : [wabaId];
    return wabas.flatMap((w) => this.of(w).map((t) => copy(t.view)));
  }

  clear(wabaId?: string): void {
    if (wabaId === undefined) {
      this.byWaba.clear();
      this.byId.clear();
      return;
    }
    for (const t of this.of(wabaId)) this.byId.delete(t.view.id);
    this.byWaba.delete(wabaId);
  }
}

function keyOf(name: string, language: string): string {
  return `${name}\u0000${language}`;
}

export function copy(t: SimTemplate): SimTemplate {
  return { ...t, components: structuredClone(t.components) };
}
