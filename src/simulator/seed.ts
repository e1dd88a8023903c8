import type { WebexSimulator } from './server.js';
import type { SimIntegration, SimLine, SimPerson, SimRoom } from './model.js';

export interface FrontDeskSeed {
  bot: SimPerson;
  botToken: string;
  integration: SimIntegration;
  team: SimPerson[];
  space: SimRoom;
  /** The company's main number, a virtual line on the receptionist's phone (a secondary line). */
  mainLine: SimLine;
}

/**
 * A small team for trying the bot: a receptionist and two colleagues with Webex Calling extensions,
 * a "Front desk" space, the company's main number on the receptionist's phone (a virtual line,
 * reached with `lineOwnerId`), and an integration that redirects to the bot. The bot is in the space unless
 * `botJoinsLater`: then the caller adds it once the bot runs, and the bot hears it was added.
 */
export function seedFrontDesk(sim: WebexSimulator, botPublicUrl: string, botJoinsLater = false): FrontDeskSeed {
  const { org } = sim;
  const bot = org.addPerson({ displayName: 'Park Bot', email: 'parkbot@webex.bot', type: 'bot' });
  const team = [
    org.addPerson({ displayName: 'Rita Reception', email: 'rita@example.com', extension: '2001' }),
    org.addPerson({ displayName: 'Sam Sales', email: 'sam@example.com', extension: '2002' }),
    org.addPerson({ displayName: 'Priya Support', email: 'priya@example.com', extension: '2003' }),
  ];
  const [receptionist, ...colleagues] = team as [SimPerson, ...SimPerson[]];
  return {
    bot,
    botToken: org.issueToken(bot.id, 'bot', []),
    integration: sim.oauth.registerIntegration('Park Bot', [`${botPublicUrl}/oauth/callback`]),
    team,
    mainLine: sim.telephony.lines.add({ displayName: 'Main line', extension: '8000', phoneNumber: '+14085550000', sharedWith: [receptionist.id] }),
    space: org.createRoom(receptionist.id, 'Front desk', [...colleagues.map((p) => p.id), ...(botJoinsLater ? [] : [bot.id])]),
  };
}
