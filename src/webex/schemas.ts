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
});
export type Call = z.infer<typeof callSchema>;

export const callListSchema = z.object({ items: z.array(callSchema) });

export const parkResponseSchema = z.object({ parkedAgainst: partySchema });

export const retrieveResponseSchema = z.object({ callId: z.string(), callSessionId: z.string().optional() });

export const personSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().default(''),
  emails: z.array(z.string()).default([]),
  type: z.string().optional(),
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
