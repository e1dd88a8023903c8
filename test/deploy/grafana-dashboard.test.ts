import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '../../src/ops/metrics.js';

interface Panel {
  title: string;
  targets?: { expr?: string }[];
}

const dashboard = JSON.parse(readFileSync(join(__dirname, '..', '..', 'deploy', 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[] };

/** The series a Prometheus metric is exported as: a histogram's `_bucket`, `_sum` and `_count`. */
async function exportedSeries(): Promise<Set<string>> {
  const metrics = await new Metrics().registry.getMetricsAsJSON();
  return new Set(metrics.flatMap(({ name, type }) => (String(type) === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name])));
}

describe('deploy/grafana-dashboard.json', () => {
  it('queries only metrics the bot exports, and graphs waits, outcomes, Webex latency, deliveries, database and spool', async () => {
    const exported = await exportedSeries();
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr ?? '' })));
    assert.ok(queries.length >= 10);
    for (const { panel, expr } of queries) {
      const named = expr.match(/\bparkbot_[a-z0-9_]+/g) ?? [];
      assert.ok(named.length > 0, `${panel}: a query names no metric of the bot`);
      for (const name of named) assert.ok(exported.has(name), `${panel}: ${name} is not a metric the bot exports`);
    }
    const all = queries.map((q) => q.expr).join('\n');
    for (const needed of ['parkbot_parked_wait_seconds_bucket', 'parkbot_parked_calls_closed_total', 'parkbot_webex_api_duration_seconds_bucket', 'parkbot_duplicate_deliveries_total', 'parkbot_database_up', 'parkbot_spool_unreadable']) {
      assert.ok(all.includes(needed), `the dashboard graphs ${needed}`);
    }
  });
});
