import type { WebhooksApi, WebhookSettings } from '../webex/webhooks-api.js';
import type { Webhook } from '../webex/schemas.js';

export interface WantedWebhook extends WebhookSettings {
  resource: string;
  event: string;
}

export type ReconcileOutcome = 'kept' | 'updated' | 'created';

/**
 * Makes `wanted` exist exactly once among `candidates` (the caller's own webhooks for that resource
 * and event), without ever taking away one that works: a webhook that is right is kept; one whose
 * address changed, that Webex disabled, or whose secret may have changed (`refresh`) is updated in
 * place; a missing one is created. Extras (left by a create whose answer was lost) are removed,
 * keeping the one named first in `preferIds`.
 */
export async function reconcileWebhook(
  api: WebhooksApi,
  token: string,
  wanted: WantedWebhook,
  candidates: Webhook[],
  options: { refresh: boolean; preferIds?: string[] },
): Promise<{ webhook: Webhook; outcome: ReconcileOutcome }> {
  const preferred = options.preferIds ?? [];
  const rank = (webhook: Webhook): number => (preferred.includes(webhook.id) ? 0 : 1) + (webhook.status === 'active' ? 0 : 2);
  const [keep, ...extra] = [...candidates].sort((a, b) => rank(a) - rank(b));
  for (const webhook of extra) await api.remove(token, webhook.id);
  const settings: WebhookSettings = { name: wanted.name, targetUrl: wanted.targetUrl, secret: wanted.secret };
  if (!keep) return { webhook: await api.create(token, wanted), outcome: 'created' };
  if (options.refresh || keep.targetUrl !== wanted.targetUrl || keep.status !== 'active') {
    return { webhook: await api.update(token, keep.id, settings), outcome: 'updated' };
  }
  return { webhook: keep, outcome: 'kept' };
}
