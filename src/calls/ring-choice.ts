import { MissingScopeError, NotLinkedError } from '../auth/errors.js';
import { TELEPHONY_CONFIG_READ } from '../auth/link-flow.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { CallingApi, RetrieveRequest } from '../webex/calling-api.js';
import { WebexApiError } from '../webex/errors.js';
import type { AnswerEndpoint } from '../webex/schemas.js';
import type { RingChoice, Store } from '../storage/store.js';

/**
 * Where the calls a person retrieves ring: one of their own devices or applications, as Webex lists
 * them (its "preferred answer endpoints"), chosen once and sent as `endpointId` with every retrieve of
 * theirs; or, with no choice, wherever Webex rings them anyway.
 */
export interface RingChoiceDeps {
  calling: CallingApi;
  vault: TokenVault;
  store: Store;
}

/** The value of "Webex's default" wherever a choice is made: no endpoint. */
export const WEBEX_DEFAULT = 'default';

/** What a person picked: an endpoint by its id (a card), by words of its name (typed), or none. */
export type RingPick = { endpointId: string } | { words: string };

export type RingChoiceOutcome =
  | { type: 'chosen'; choice: RingChoice }
  | { type: 'default' }
  /** An endpoint id that is not among the person's own endpoints in Webex. */
  | { type: 'not-yours' }
  /** The list to choose from: asked for, or the words typed fit none or several of their endpoints. */
  | { type: 'choose'; options: RingOptions; unclear?: { words: string; fits: 'none' | 'several' } };

export interface RingOptions {
  endpoints: AnswerEndpoint[];
  current?: RingChoice;
}

/** The person's endpoints, read from Webex with their own token, and what they chose before. */
export async function ringOptions(deps: RingChoiceDeps, personId: string): Promise<RingOptions> {
  if (!(await deps.vault.grants(personId, TELEPHONY_CONFIG_READ))) throw new MissingScopeError(personId, TELEPHONY_CONFIG_READ);
  const [endpoints, current] = await Promise.all([deps.vault.withToken(personId, (token) => deps.calling.answerEndpoints(token)), deps.store.ringChoice(personId)]);
  return { endpoints, ...(current ? { current } : {}) };
}

/**
 * Saves what the person picked. An id is checked against their own endpoints as Webex lists them now
 * (a card's inputs are whatever the tapper posted), and the name saved is Webex's, never the submit's.
 */
export async function chooseRing(deps: RingChoiceDeps, personId: string, pick: RingPick): Promise<RingChoiceOutcome> {
  if (isDefault(pick)) {
    if (!(await deps.vault.isLinked(personId))) throw new NotLinkedError(personId, 'never-linked');
    await deps.store.clearRingChoice(personId);
    return { type: 'default' };
  }
  const options = await ringOptions(deps, personId);
  if ('endpointId' in pick) {
    const endpoint = options.endpoints.find((e) => e.id === pick.endpointId);
    return endpoint ? save(deps, personId, endpoint) : { type: 'not-yours' };
  }
  const [endpoint, ...others] = fitting(options.endpoints, pick.words);
  if (!endpoint || others.length) return { type: 'choose', options, unclear: { words: pick.words, fits: endpoint ? 'several' : 'none' } };
  return save(deps, personId, endpoint);
}

async function save(deps: RingChoiceDeps, personId: string, endpoint: AnswerEndpoint): Promise<RingChoiceOutcome> {
  const choice: RingChoice = { endpointId: endpoint.id, name: endpoint.name };
  await deps.store.saveRingChoice(personId, choice, Date.now());
  return { type: 'chosen', choice };
}

const isDefault = (pick: RingPick): boolean =>
  'endpointId' in pick ? pick.endpointId === WEBEX_DEFAULT : /^(?:webex['’]?s? )?default$/i.test(pick.words.trim());

/**
 * The endpoints whose name has every word typed in it (`desk` fits "Cisco 8865 (Sam's desk)"); of
 * several, those where each is a word of its own ("Desktop" has `desk` in it, not as a word).
 */
function fitting(endpoints: AnswerEndpoint[], typed: string): AnswerEndpoint[] {
  const words = comparable(typed).split(/\s+/).filter(Boolean);
  const inName = endpoints.filter((endpoint) => words.every((word) => comparable(endpoint.name).includes(word)));
  const asWords = inName.filter((endpoint) => words.every((word) => comparable(endpoint.name).split(/[^\p{L}\p{N}']+/u).includes(word)));
  return inName.length > 1 && asWords.length ? asWords : inName;
}

/** Lower case, with a phone keyboard's curly apostrophe as the straight one Webex names may use (and the other way round). */
const comparable = (text: string): string => text.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'");

export interface RetrieveRing {
  callId: string;
  /** The device it rings on, when the person chose one. */
  ringsOn?: RingChoice;
  /** The person's choice, gone from Webex: forgotten, and the call rang where Webex rings them anyway. */
  dropped?: RingChoice;
}

/**
 * Asks Webex, with the person's own token, to ring them with the call parked on `destination` (their
 * own line without one), on the device they chose. A retrieve Webex refuses for a device the person no
 * longer has (removed, replaced) is tried once without it, and the choice is forgotten.
 */
export async function retrieveToChosen(deps: RingChoiceDeps, personId: string, destination?: string): Promise<RetrieveRing> {
  const choice = await deps.store.ringChoice(personId);
  return deps.vault.withToken(personId, async (token) => {
    const retrieve = (endpointId?: string): Promise<{ callId: string }> => {
      const request: RetrieveRequest = { ...(destination ? { destination } : {}), ...(endpointId ? { endpointId } : {}) };
      return deps.calling.retrieve(token, request);
    };
    if (!choice) return retrieve();
    try {
      return { ...(await retrieve(choice.endpointId)), ringsOn: choice };
    } catch (error) {
      const endpoint = await endpointStanding(deps, token, error, choice);
      if (endpoint === 'not-the-device') throw error;
      // Unknown: the list could not be read (Webex failing, a link without the scope). The refusal may
      // well be of the device, so the person is rung where Webex rings them rather than not at all.
      if (endpoint === 'unknown') return retrieve();
      await deps.store.clearRingChoice(personId, choice.endpointId);
      return { ...(await retrieve()), dropped: choice };
    }
  });
}

/**
 * Webex does not say in so many words that an `endpointId` is no longer valid: a refusal (400, 404)
 * of a retrieve that named one is taken for that when the person's endpoints, read again, no longer
 * include it ('device-gone'). Nothing was rung, so trying again cannot ring twice. A 400 when the list cannot
 * be read is 'unknown'; a 404 then stands (it says nothing is parked there), as does any other error.
 */
async function endpointStanding(deps: RingChoiceDeps, token: string, error: unknown, choice: RingChoice): Promise<'device-gone' | 'not-the-device' | 'unknown'> {
  if (!(error instanceof WebexApiError) || (error.kind !== 'bad-request' && error.kind !== 'not-found')) return 'not-the-device';
  try {
    return (await deps.calling.answerEndpoints(token)).some((endpoint) => endpoint.id === choice.endpointId) ? 'not-the-device' : 'device-gone';
  } catch {
    return error.kind === 'bad-request' ? 'unknown' : 'not-the-device';
  }
}
