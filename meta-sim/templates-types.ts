// Public types of the simulator's templates, window and clock. Components are written in Meta's
// upper-case form, as GET /{waba-id}/message_templates answers them (docs/META.md, templates).
import type { WindowMode } from './window.js';

export type { WindowMode } from './window.js';

export type SimTemplateStatus =
  | 'APPROVED'
  | 'PENDING'
  | 'REJECTED'
  | 'PAUSED'
  | 'DISABLED'
  | 'IN_APPEAL'
  | 'PENDING_DELETION'
  | 'ARCHIVED'
  | 'LIMIT_EXCEEDED';

export type SimTemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

export type SimQualityScore = 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN';

/**
 * One component in Meta's form, e.g.
 *   {type: 'HEADER', format: 'IMAGE', example: {header_handle: ['https://…']}}
 *   {type: 'HEADER', format: 'TEXT', text: 'Order {{1}}'}
 *   {type: 'BODY', text: 'Hi {{first_name}}, your order {{order_id}} ships today.'}
 *   {type: 'FOOTER', text: 'Reply STOP to opt out'}
 *   {type: 'BUTTONS', buttons: [{type: 'QUICK_REPLY', text: 'Stop'}, {type: 'URL', text: 'Track', url: 'https://x.example/t/{{1}}'}, {type: 'COPY_CODE', example: 'SAVE10'}]}
 */
export type SimTemplateComponent = Record<string, unknown> & { type: string };

/** What seeds a template. Omitted: status APPROVED, parameter_format POSITIONAL, quality UNKNOWN, id derived. */
export interface SimTemplateInput {
  name: string;
  /** e.g. "en_US". */
  language: string;
  category: SimTemplateCategory;
  status?: SimTemplateStatus;
  parameter_format?: 'POSITIONAL' | 'NAMED';
  components: SimTemplateComponent[];
  quality_score?: SimQualityScore;
  /** Meta's numeric id as a string; default derived from (WABA, name, language), the same in every run. */
  id?: string;
  /** Shown by GET for REJECTED templates; default "NONE". */
  rejected_reason?: string;
}

/** A template as the catalogue holds it and GET answers it (all fields). */
export interface SimTemplate {
  id: string;
  waba_id: string;
  name: string;
  language: string;
  category: SimTemplateCategory;
  status: SimTemplateStatus;
  parameter_format: 'POSITIONAL' | 'NAMED';
  components: SimTemplateComponent[];
  quality_score: SimQualityScore;
  rejected_reason: string;
}

/**
 * A change made through the control API; each changed field posts its webhook
 * (message_template_status_update, message_template_quality_update, template_category_update).
 */
export interface SimTemplateChange {
  status?: SimTemplateStatus;
  quality_score?: SimQualityScore;
  category?: SimTemplateCategory;
  /** The status webhook's reason (default "NONE"; REJECTED: "INVALID_FORMAT" unless given). */
  reason?: string;
}

export interface SimTemplateChangeResult {
  template: SimTemplate;
  /** The webhook deliveries posted for the change (one per app per changed field). */
  deliveries: string[];
}

export interface MetaSimTemplateOptions {
  /** WABA id -> its templates. */
  templates?: Record<string, SimTemplateInput[]>;
  /**
   * The 24-hour window: 'enforce' posts a failed 131047 status for a free-form message to a customer
   * whose last message (simulated by /_sim/inbound or opened by /_sim/windows) is more than 24 hours
   * old, as Meta does; 'off' delivers everything. Default 'off' in-process (existing tests and
   * benchmarks send to customers who never wrote), 'enforce' from the CLI.
   */
  window?: WindowMode;
}

export interface MetaSimTemplates {
  /** Creates or replaces (same name and language) a template of the WABA; no webhook. */
  add(wabaId: string, template: SimTemplateInput): SimTemplate;
  /** Changes status, quality or category and posts the matching webhooks. */
  update(id: string, change: SimTemplateChange): Promise<SimTemplateChangeResult>;
  /** Every template, or those of one WABA, in the catalogue's order. */
  list(wabaId?: string): SimTemplate[];
  /** Forgets every template, or those of one WABA. */
  clear(wabaId?: string): void;
}

export interface MetaSimWindows {
  mode(): WindowMode;
  setMode(mode: WindowMode): void;
  /** Opens (or moves) the window as if the customer had written at `atMs` (default now on the sim clock); no webhook. */
  open(phoneId: string, waId: string, atMs?: number): void;
  /** Forgets the customer's last message: the window is closed. */
  close(phoneId: string, waId: string): void;
  /** Epoch ms of the customer's last message, if any. */
  lastInbound(phoneId: string, waId: string): number | undefined;
}

export interface MetaSimClock {
  now(): number;
  /** Freeze at epoch ms; null lets it run again from where it stands. */
  set(atMs: number | null): void;
  advance(ms: number): void;
  /** Back to the real clock. */
  reset(): void;
}

export interface MetaSimTemplateControls {
  templates: MetaSimTemplates;
  /** Shorthand for templates.add. */
  addTemplate(wabaId: string, template: SimTemplateInput): SimTemplate;
  /** Shorthand for templates.update(id, {status, reason}). */
  setTemplateStatus(id: string, status: SimTemplateStatus, reason?: string): Promise<SimTemplateChangeResult>;
  /** The WABA a phone belongs to (its webhooks' entry id, and the catalogue its sends are checked against). */
  wabaOf(phoneId: string): string;
  windows: MetaSimWindows;
  clock: MetaSimClock;
}
