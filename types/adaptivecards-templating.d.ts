declare module 'adaptivecards-templating' {
  export interface EvaluationContext {
    $root?: unknown;
  }
  export class Template {
    constructor(payload: unknown);
    expand(context: EvaluationContext): unknown;
  }
}
