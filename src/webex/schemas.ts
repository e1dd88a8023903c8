import { z } from 'zod';

/** Webex response shapes (shared/webex-spec/NOTES.md); unknown extra fields are tolerated. */

export const partySchema = z.object({
  name: z.string().optional(),
  number: z.string().optional(),
  personId: z.string().optional(),
  placeId: z.string().optional(),
  privacyEnabled: z.boolean().optional(),
  callType: z.string().optional(),
});
export type Party = z.infer<typeof partySchema>;

export const callSchema = z.object({
  id: z.string().min(1),
  callSessionId: z.string().optional(),
  personality: z.string().optional(),
  state: z.string(),
  remoteParty: partySchema.optional(),
  appearance: z.number().optional(),
  created: z.string().optional(),
  answered: z.string().optional(),
  /** A parked call ringing back its line (the only sign of a recall on a line that sends no events). */
  recall: z.object({ type: z.string(), party: partySchema.optional() }).optional(),
});
export type Call = z.infer<typeof callSchema>;

export const callListSchema = z.object({ items: z.array(callSchema) });

export const parkResponseSchema = z.object({ parkedAgainst: partySchema });

export const retrieveResponseSchema = z.object({ callId: z.string(), callSessionId: z.string().optional() });

/** A device or application a person's calls can ring on (Webex's preferred answer endpoints). */
export const answerEndpointSchema = z.object({
  id: z.string().min(1),
  type: z.string().optional(),
  name: z.string().default(''),
  isPreferredAnswerEndpoint: z.boolean().optional(),
});
export type AnswerEndpoint = z.infer<typeof answerEndpointSchema>;

export const answerEndpointListSchema = z.object({ endpoints: z.array(answerEndpointSchema) });

/**
 * The person's devices and applications, each with the secondary lines on it (GET
 * /telephony/config/people/me/endpoints): a line's `id` is its `lineOwnerId` in Call Control.
 */
export const myEndpointListSchema = z.object({
  endpoints: z.array(
    z.object({
      id: z.string(),
      secondaryLines: z.array(z.object({ id: z.string().min(1), memberType: z.string() })).optional(),
    }),
  ),
});

/** The number and extension of each of the person's lines (GET .../settings/contactCenterExtensions). */
export const lineNumbersSchema = z.object({
  ccExtensions: z
    .array(
      z.object({
        directNumber: z.string().optional(),
        extension: z.string().optional(),
        type: z.string().optional(),
        lineOwnerId: z.string().optional(),
      }),
    )
    .default([]),
});

export const personSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().default(''),
  emails: z.array(z.string()).default([]),
  type: z.string().optional(),
  orgId: z.string().optional(),
  /** Present for Webex Calling users: where a call parked "against them" waits. */
  extension: z.string().optional(),
  phoneNumbers: z.array(z.object({ type: z.string().optional(), value: z.string() })).optional(),
});
export type Person = z.infer<typeof personSchema>;

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1),
  refresh_token_expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/**
 * A `telephony_calls` delivery's `data` (shared/webex-spec/NOTES.md): the Call fields, but the call's
 * id is `callId`, with `eventType` and `eventTimestamp`. Only what the bot reads is required.
 */
export const callEventSchema = z.object({
  callId: z.string().min(1),
  eventType: z.string().min(1),
  eventTimestamp: z.string().refine((value) => !Number.isNaN(Date.parse(value)), { error: 'must be a timestamp' }),
  state: z.string().min(1),
  personality: z.string().optional(),
  remoteParty: partySchema.optional(),
  /** When the call began (the Call's own field): a park asked earlier than this never takes the call. */
  created: z.string().optional(),
  /** When it was answered: a call that ends with this set had connected. */
  answered: z.string().optional(),
  recall: z.object({ type: z.string(), party: partySchema.optional() }).optional(),
});
export type CallEvent = z.infer<typeof callEventSchema>;

export const webhookSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  targetUrl: z.string(),
  resource: z.string(),
  event: z.string(),
  status: z.string().optional(),
});
export type Webhook = z.infer<typeof webhookSchema>;
export const webhookListSchema = z.object({ items: z.array(webhookSchema) });
