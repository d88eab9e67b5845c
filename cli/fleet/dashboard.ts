// placeholder replaced in the dashboard slice
import type { KV } from '@nats-io/kv';
import type { ViewOptions } from './view.js';
export async function serveDashboard(
  _bucket: KV,
  _options: { host: string; port: number; view: ViewOptions },
): Promise<{ url: string; close(): Promise<void> }> {
  throw new Error('not yet');
}
