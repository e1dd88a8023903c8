/** The adaptivecards Node-loadable bundle (its package `main` does not load under Node); only what the tests use. */
declare module 'adaptivecards/dist/adaptivecards.js' {
  export const Versions: { v1_3: unknown };
  export class SerializationContext {
    constructor(targetVersion?: unknown);
    readonly eventCount: number;
    getEventAt(index: number): { message: string };
  }
  export class AdaptiveCard {
    parse(payload: unknown, context?: SerializationContext): void;
    validateProperties(): { validationEvents: { message: string }[] };
  }
}
