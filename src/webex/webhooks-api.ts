import { z } from 'zod';
import type { WebexHttpClient } from './http-client.js';
import { webhookListSchema, webhookSchema, type Webhook } from './schemas.js';

export interface WebhookSettings {
  name: string;
  targetUrl: string;
  secret: string;
}

/** `/webhooks` with a given token: what a webhook watches is decided by whose token made it. */
export class WebhooksApi {
  constructor(private readonly http: WebexHttpClient) {}

  async list(token: string): Promise<Webhook[]> {
    const { items } = await this.http.request({ method: 'GET', path: '/webhooks', token, schema: webhookListSchema, safeToRepeat: true });
    return items;
  }

  async create(token: string, settings: WebhookSettings & { resource: string; event: string }): Promise<Webhook> {
    // Not repeated after an ambiguous failure: the next check finds a webhook made twice and removes one.
    return this.http.request({ method: 'POST', path: '/webhooks', token, json: settings, schema: webhookSchema, safeToRepeat: false });
  }

  /** Points a webhook at `settings` and turns it on again if Webex had turned it off. */
  async update(token: string, id: string, settings: WebhookSettings): Promise<Webhook> {
    return this.http.request({
      method: 'PUT',
      path: `/webhooks/${encodeURIComponent(id)}`,
      token,
      json: { ...settings, status: 'active' },
      schema: webhookSchema,
      safeToRepeat: true,
    });
  }

  async remove(token: string, id: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/webhooks/${encodeURIComponent(id)}`, token, schema: z.unknown(), safeToRepeat: true });
  }
}
