/**
 * `npx tsx bench/store-calls.ts [--flows N]`: the store calls one park and its retrieve make (two
 * inbox takes and finishes, the save, the moves, the card, the claim, a space's waiting calls),
 * through the embedded store as the bot uses it, in this process. Prints wall and CPU microseconds per
 * flow and the peak RSS. The end-to-end benchmark's events/s holds the same calls among much else;
 * this shows the store's share alone (bench/README.md, "One store, two dialects").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../src/storage/sqlite-store.js';
import type { ParkedCall } from '../src/storage/store.js';

const { values: args } = parseArgs({ options: { flows: { type: 'string', default: '3000' } } });
const FLOWS = Number(args.flows);

const parking = (i: number, now: number): ParkedCall => ({
  id: `call-${i}`,
  roomId: `room-${i % 50}`,
  parkedBy: { personId: 'RITA', name: 'Rita' },
  caller: { name: 'Acme', number: '+15550100' },
  parkedAgainst: { number: `${1000 + (i % 200)}` },
  state: 'parking',
  parkedAt: new Date(now).toISOString(),
});

async function flow(store: SqliteStore, i: number): Promise<void> {
  const now = Date.now();
  await store.takeDelivery(`park-${i}`, '{"kind":"message"}', now, 30_000);
  await store.saveParkedCall(parking(i, now));
  await store.moveParkedCall(`call-${i}`, { from: ['parking'], to: 'waiting', changes: { callId: `webex-call-${i}` } });
  await store.attachCard(`call-${i}`, `card-${i}`);
  await store.finishDelivery(`park-${i}`, now);
  await store.takeDelivery(`tap-${i}`, '{"kind":"action"}', now, 30_000);
  await store.waitingInRoom(`room-${i % 50}`);
  await store.claimForRetrieve(`call-${i}`, 'SAM', `tap-${i}`, now, 30_000);
  const ringing = { ringingFor: { personId: 'SAM', name: 'Sam' }, handedCallId: `handed-${i}` };
  await store.moveParkedCall(`call-${i}`, { from: ['retrieving'], to: 'ringing', changes: ringing, claimedBy: 'SAM' });
  await store.parkedCall(`call-${i}`);
  await store.finishDelivery(`tap-${i}`, now);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parkbot-store-calls-'));
  const store = new SqliteStore(join(dir, 'bench.db'));
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < FLOWS; i += 1) await flow(store, i);
  const wallUs = Number(process.hrtime.bigint() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const perFlow = (us: number): number => Math.round(us / FLOWS);
  process.stdout.write(`${JSON.stringify({ flows: FLOWS, wallUsPerFlow: perFlow(wallUs), cpuUsPerFlow: perFlow(user + system), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
}

void main();
