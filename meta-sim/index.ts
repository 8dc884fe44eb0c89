// The Meta simulator: a strict, independent stand-in for Graph's WhatsApp Cloud API endpoints
// (POST /{version}/{phone_number_id}/messages and /media, GET /{version}/{media-id}) and for the
// webhooks Meta posts back. It imports nothing from src/ and shares no validation with the gateway:
// it is the check that what the gateway sends is what Meta accepts.
export type { MetaSim, MetaSimOptions, SimCounts, SimFault, SimFaultAction, SimMessage, SimUpload } from './types.js';
export type { MetaSimReadReceipts, SimReadReceipt } from './read-receipts.js';
export type {
  InboundType,
  MetaSimAllOptions,
  MetaSimWebhookOptions,
  MetaSimWebhooks,
  MetaSimWithWebhooks,
  SimFailedStatus,
  SimInbound,
  SimInboundResult,
  SimPhoneInfo,
  SimStatusDelays,
  SimStatusFault,
  SimStatusItem,
  SimVerifyResult,
  SimWebhookApp,
  SimWebhookAttempt,
  SimWebhookConfig,
  SimWebhookDelivery,
  WebhookEncoding,
  WebhookKind,
} from './webhook-types.js';
export type {
  MetaSimClock,
  MetaSimTemplateControls,
  MetaSimTemplateOptions,
  MetaSimTemplates,
  MetaSimWindows,
  SimQualityScore,
  SimTemplate,
  SimTemplateCategory,
  SimTemplateChange,
  SimTemplateChangeResult,
  SimTemplateComponent,
  SimTemplateInput,
  SimTemplateStatus,
  WindowMode,
} from './templates-types.js';
export { startMetaSim } from './sim.js';
