import { startTestPostgres, POSTGRES_SKIP_REASON, type TestPostgres } from './postgres.js';

/** Mocha global fixtures: one PostgreSQL server for the whole run, when the machine has one. */
let server: TestPostgres | undefined;
let unavailable: string | undefined;

const banner = (text: string): void => {
  const line = '!'.repeat(100);
  process.stderr.write(`\n${line}\n!! ${text}\n${line}\n\n`);
};

export async function mochaGlobalSetup(): Promise<void> {
  const started = await startTestPostgres();
  if ('unavailable' in started) {
    unavailable = started.unavailable;
    banner(`${POSTGRES_SKIP_REASON}: ${unavailable}`);
    return;
  }
  server = started;
  process.env.TEST_POSTGRES_ADMIN_URL = started.adminUrl;
}

export function mochaGlobalTeardown(): void {
  server?.stop();
  if (unavailable) banner(`${POSTGRES_SKIP_REASON}: ${unavailable}`);
}
