import type { LocationMessage } from '../schema.js';
import { optional } from './fields.js';
import type { GraphMessageContent } from '../../meta/graph-types.js';

/** Meta: latitude and longitude required, name and address optional; sent as JSON numbers (docs/META.md §1). */
export function buildLocationMessage(req: LocationMessage): Extract<GraphMessageContent, { type: 'location' }> {
  const { latitude, longitude, name, address } = req.location;
  return {
    type: 'location',
    location: { latitude, longitude, ...optional('name', name), ...optional('address', address) },
  };
}
