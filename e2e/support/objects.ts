// Comparing what we sent with what the API server stored.
import type { Json } from './kubectl.js';

/** `kind.group` for kubectl (`secret` for the core group). */
export const resourceOf = ({ apiVersion, kind }: Json): string =>
  apiVersion.includes('/') ? `${kind.toLowerCase()}.${apiVersion.split('/')[0]}` : kind.toLowerCase();

/**
 * Every field we sent must be in what the API server stored: it may add defaults, never drop or
 * change ours (a pruned field is one the schema does not know).
 */
export function missingFields(sent: Json, stored: Json, at = ''): string[] {
  if (sent === null || typeof sent !== 'object') {
    return sent === stored ? [] : [`${at}: sent ${JSON.stringify(sent)}, stored ${JSON.stringify(stored)}`];
  }
  if (stored === null || typeof stored !== 'object') return [`${at}: missing`];
  if (Array.isArray(sent)) return sent.flatMap((item, i) => missingFields(item, stored[i], `${at}[${i}]`));
  return Object.entries(sent).flatMap(([key, value]) => missingFields(value, stored[key], `${at}.${key}`));
}
