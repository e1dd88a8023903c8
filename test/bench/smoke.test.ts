import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The benchmark runs end to end on tiny numbers; its figures are never asserted (the machine is noisy). */
describe('benchmark smoke run', () => {
  it('drives park and retrieve flows on the bot and the baseline, at zero distance and at a network’s, and writes every figure', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'parkbot-bench-'));
    const out = join(dir, 'results.json');
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'bench', 'run.ts'), '--from-source', '--workers', '2', '--records', '12', '--seconds', '5', '--sequential', '4', '--rtt', '20', '--spaces', '3,6', '--linked', '20', '--linked-seconds', '3', '--http-requests', '100', '--charts', '3', '--reports', '2', '--out', out]);
      const results = JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, unknown>>;
      const latency = results.parkBot?.botAddedLatencyMs as Record<string, { p50: number; p99: number; max: number; count: number }>;
      for (const flow of ['parkFlow', 'retrieveFlow']) {
        assert.equal(latency[flow]?.count, 4, flow);
        assert.ok(Number.isFinite(latency[flow]?.p99) && (latency[flow]?.p99 ?? -1) > 0, flow);
      }
      assert.ok((results.parkBot?.throughput as { flowsPerSecond: number }).flowsPerSecond > 0);
      assert.equal(results.settings?.rttMs, 20);
      // At a distance, each round trip takes at least the RTT: the critical path bounds the time to card from below.
      const toCard = results.parkBot?.timeToCardMs as Record<'park' | 'retrieve', { p50: number; count: number }>;
      const path = results.parkBot?.criticalPath as Record<'park' | 'retrieve', number>;
      for (const flow of ['park', 'retrieve'] as const) {
        assert.equal(toCard[flow].count, 4, flow);
        assert.ok(path[flow] >= 2 && toCard[flow].p50 >= 20 * path[flow], `${flow}: ${path[flow]} round trips in ${toCard[flow].p50} ms`);
      }
      const likeForLike = (results.baseline as Record<string, { timeToCardMs: { p50: number; count: number } }>).likeForLike;
      assert.ok(likeForLike && likeForLike.timeToCardMs.count === 4 && likeForLike.timeToCardMs.p50 >= 40, 'the baseline at the same distance');
      const calls = results.parkBot?.upstreamCalls as { perParkFlow: { byEndpoint: Record<string, number> } };
      assert.equal(calls.perParkFlow.byEndpoint['POST /telephony/calls/park'], 1, 'one park call per park flow');
      assert.ok((results.parkBot?.memory as { peakRssMb: number }).peakRssMb > 0);
      const baselines = results.baseline as Record<'stock' | 'likeForLike', { latencyMs: { count: number } }>;
      assert.ok(baselines.stock.latencyMs.count === 4 && baselines.likeForLike.latencyMs.count === 4, 'both baselines measured');
      const perSender = results.parkBot?.upstreamCalls as { firstTimeSender: { park: number }; returningSender: { park: number } };
      assert.ok(perSender.firstTimeSender.park > 0 && perSender.returningSender.park > 0, 'calls per flow for first-time and returning senders');
      assert.ok(results.ratiosToBaseline && results.targets);
      const charts = results.charts as { chartMs: { count: number; p50: number }; reportToChartMs: { count: number }; pngBytes: number; botPeakRssMb: number };
      assert.ok(charts.chartMs.count === 3 && charts.chartMs.p50 > 0 && charts.pngBytes > 0, 'time and size per chart');
      assert.ok(charts.reportToChartMs.count === 2 && charts.botPeakRssMb > 0, 'reports asked of the bot, and its memory');
      const spaces = results.spaces as unknown as { spaces: number; stillUp: boolean; firstAnswerMs: { count: number }; afterEverySpaceSpoke: { rssMb: number }; baseline: { peakRssMb: number } }[];
      assert.deepEqual(spaces.map((s) => [s.spaces, s.firstAnswerMs.count, s.stillUp]), [[3, 3, true], [6, 6, true]], 'every space answered, the bot still up');
      assert.ok(spaces.every((s) => s.afterEverySpaceSpoke.rssMb > 0));
      assert.ok(spaces.every((s) => s.baseline.peakRssMb > 0), 'the like-for-like baseline in as many spaces');
      assert.equal(results.settings?.botNodeEnv, 'MALLOC_ARENA_MAX=2', 'the bot runs with npm start’s allocator setting');
      assert.match(stdout, /Webex calls per park \(returning sender\) +\| 5 +\| \d/, 'the before/after table');
      assert.match(stdout, /park time to card at RTT 20 ms, p50 \/ p99 +\| .* \| \d+ \/ \d+ ms +\| p50 ≤ 75 ms/);
      assert.match(stdout, /6 spaces, each spoke once/);
      const linked = results.linkedPeople as unknown as { linkedPeople: number; callsPerPark: number; startUpMs: number; peakRssMb: number }[];
      assert.deepEqual(linked.map((l) => l.linkedPeople), [20]);
      assert.ok(linked[0] && linked[0].callsPerPark > 0 && linked[0].startUpMs > 0 && linked[0].peakRssMb > 0, 'the linked-people phase measured');
      assert.match(stdout, /20 linked people: upkeep \d+ requests\/hour/);
      const clients = results.httpClients as unknown as Record<string, { cpuMicrosPerRequest: number }>;
      assert.ok(clients.fetch && clients.undiciRequest && clients.undiciRequest.cpuMicrosPerRequest > 0, 'the HTTP clients compared');
      assert.match(stdout, /CPU per Webex call .*\| fetch \d+(\.\d)? µs +\| undici request/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
