import { startSimulator } from './server.js';
import { seedFrontDesk } from './seed.js';

/**
 * `npm run simulator`: a local Webex with a small team in a "Front desk" space, a bot account and an
 * integration whose redirect URI points at a bot on BOT_PUBLIC_URL. Prints the settings for the bot.
 */
async function main(): Promise<void> {
  const port = Number(process.env.SIM_PORT ?? 9090);
  const botPublicUrl = (process.env.BOT_PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  const sim = await startSimulator({ port });
  const { org } = sim;
  const { botToken, integration, team, space: room } = seedFrontDesk(sim, botPublicUrl);
  const rita = team[0];
  if (!rita) return;

  const lines = [
    `Webex simulator on ${sim.url}`,
    '',
    'Bot settings (.env):',
    `WEBEX_BOT_TOKEN=${botToken}`,
    `WEBEX_API_URL=${sim.apiUrl}`,
    `WEBEX_U2C_URL=${sim.u2cUrl}`,
    `PUBLIC_URL=${botPublicUrl}`,
    `WEBEX_CLIENT_ID=${integration.clientId}`,
    `WEBEX_CLIENT_SECRET=${integration.clientSecret}`,
    '',
    `Space "Front desk": ${room.id}`,
    'People and their Webex client tokens (to chat through the REST API as them):',
    ...team.map((p) => `  ${p.displayName} (ext ${p.extension ?? '-'}): ${org.issueToken(p.id, 'access', ['spark:all'])}  id ${p.id}`),
    '',
    `Ring someone: curl -X POST ${sim.url}/_sim/calls -H 'content-type: application/json' -d '{"toPersonId":"${rita.id}","fromName":"Acme Corp"}'`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`The simulator could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
