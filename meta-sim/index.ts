// The Meta simulator: a strict, independent stand-in for Graph's WhatsApp Cloud API endpoints
// (POST /{version}/{phone_number_id}/messages and /media). It imports nothing from src/ and shares
// no validation with the gateway: it is the check that what the gateway sends is what Meta accepts.
export type { MetaSim, MetaSimOptions, SimCounts, SimFault, SimFaultAction, SimMessage, SimUpload } from './types.js';
export { startMetaSim } from './sim.js';
