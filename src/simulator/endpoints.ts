import { webexId } from './ids.js';
import type { SimOrg } from './org.js';
import type { SimEndpoint } from './model.js';

/**
 * The devices and applications each calling user's calls ring on (Webex's "preferred answer
 * endpoints"): a desk phone and the desktop app, named as Webex names them (the model, then the
 * name an admin tagged the device with). Made on first look, so every person has them.
 */
export class SimEndpoints {
  private readonly byPerson = new Map<string, SimEndpoint[]>();

  constructor(private readonly org: SimOrg) {}

  of(personId: string): SimEndpoint[] {
    let endpoints = this.byPerson.get(personId);
    if (!endpoints) {
      const person = this.org.person(personId);
      endpoints = [
        { id: webexId('DEVICE'), type: 'DEVICE', name: `Cisco 8865 (${person.firstName}'s desk)`, isPreferredAnswerEndpoint: false },
        { id: webexId('APPLICATION'), type: 'APPLICATION', name: 'Webex Desktop Application', isPreferredAnswerEndpoint: false },
      ];
      this.byPerson.set(personId, endpoints);
    }
    return endpoints;
  }

  find(personId: string, endpointId: string): SimEndpoint | undefined {
    return this.of(personId).find((endpoint) => endpoint.id === endpointId);
  }

  /** An admin took the device away from the person (or it was replaced). */
  remove(personId: string, endpointId: string): void {
    this.byPerson.set(
      personId,
      this.of(personId).filter((endpoint) => endpoint.id !== endpointId),
    );
  }
}
