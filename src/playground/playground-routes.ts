import express, { type Response, type Router } from 'express';
import { join } from 'node:path';
import { z } from 'zod';
import type { WebexSimulator } from '../simulator/server.js';
import type { FrontDeskSeed } from '../simulator/seed.js';
import type { SimCall, SimMessage } from '../simulator/model.js';

const PUBLIC_DIR = join(__dirname, '..', '..', 'src', 'playground', 'public');

const sayBody = z.object({ personId: z.string().min(1), text: z.string().trim().min(1).max(500), private: z.boolean().optional() });
/** A ring for a person's own line (`personId`) or the main line (`lineId`); answered by them on their phone. */
const callBody = z.union([
  z.object({ personId: z.string().min(1), fromName: z.string().trim().max(60).optional() }),
  z.object({ lineId: z.string().min(1), fromName: z.string().trim().max(60).optional(), answer: z.boolean().optional() }),
]);
const tapBody = z.object({ personId: z.string().min(1), messageId: z.string().min(1), inputs: z.record(z.string(), z.unknown()) });
const phoneBody = z.object({ personId: z.string().min(1), lineId: z.string().min(1).optional(), callId: z.string().min(1), action: z.enum(['answer', 'hangup']) });
const parkedBody = z.object({ parkedOn: z.string().min(1).max(40) });
const pickupBody = z.object({ personId: z.string().min(1), parkedOn: z.string().min(1).max(40) });

/**
 * The playground's page and its small API. Everything a person does here goes through the simulator
 * as it would through Webex: a message posted as that person, a card submitted as that person, an
 * incoming call rung on their phone; the bot hears of it by signed webhook.
 */
export function playgroundRoutes(sim: WebexSimulator, seed: FrontDeskSeed): Router {
  const router = express.Router();
  const { org, telephony } = sim;
  const personIds = new Set(seed.team.map((p) => p.id));
  /** Each ring comes from a number of its own: Webex, and the bot, tell callers apart by number. */
  let callers = 0;
  const nameOf = (id: string): string => org.people.get(id)?.displayName ?? 'Someone';
  const callView = (call: SimCall) => ({
    id: call.id,
    state: call.state,
    with: call.remoteParty.name ?? call.remoteParty.number ?? 'Private caller',
    ...(call.recall ? { recall: true } : {}),
  });
  const view = (m: SimMessage) => ({
    id: m.id,
    from: nameOf(m.personId),
    fromBot: m.personId === seed.bot.id,
    text: m.text ?? '',
    ...(m.parentId ? { parentId: m.parentId } : {}),
    ...(m.attachments?.[0] ? { card: m.attachments[0].content } : {}),
    ...(contentIdOf(m) ? { image: `/playground/api/content/${encodeURIComponent(contentIdOf(m) ?? '')}` } : {}),
    created: m.created,
  });
  /** A message's file (the report's chart), shown inline as Webex previews an image. */
  const contentIdOf = (m: SimMessage): string | undefined => /\/contents\/([^/?]+)$/.exec(m.files?.[0] ?? '')?.[1];

  /** The person's phones, and which of them ring now: the one a retrieve named, or all of them. */
  const devicesOf = (personId: string) => {
    const ringing = new Set(
      telephony
        .list(personId)
        .filter((call) => call.state === 'alerting')
        .flatMap((call) => telephony.ringingOn(personId, call.id).map((endpoint) => endpoint.id)),
    );
    return telephony.endpoints.of(personId).map((endpoint) => ({ name: endpoint.name, type: endpoint.type, ringing: ringing.has(endpoint.id) }));
  };

  router.get('/playground', (_req, res) => {
    res.sendFile(join(PUBLIC_DIR, 'index.html'));
  });
  router.get('/playground/app.js', (_req, res) => {
    res.type('js').sendFile(join(PUBLIC_DIR, 'app.js'));
  });
  router.get('/playground/adaptivecards.js', (_req, res) => {
    res.type('js').sendFile(require.resolve('adaptivecards/dist/adaptivecards.min.js'));
  });

  router.get('/playground/api/state', (_req, res) => {
    const messages = [...org.messages.values()];
    res.json({
      space: { id: seed.space.id, title: seed.space.title },
      people: seed.team.map((person) => ({
        id: person.id,
        name: person.displayName,
        extension: person.extension,
        calls: telephony.list(person.id).map(callView),
        // The lines on their phone besides their own: the main number on the receptionist's.
        lines: telephony.lines.of(person.id).map((line) => ({
          id: line.id,
          name: line.displayName,
          number: line.phoneNumber ?? line.extension ?? '',
          calls: telephony.list(line.id).map(callView),
        })),
        devices: devicesOf(person.id),
        privateMessages: messages.filter((m) => m.roomType === 'direct' && m.personId === seed.bot.id && org.isMember(m.roomId, person.id)).map(view),
      })),
      parked: [...telephony.parked.values()].map((p) => ({
        on: p.parkedAgainst.number,
        caller: p.call.remoteParty.name ?? 'Private caller',
        parkedBy: nameOf(p.parkedBy),
        recallAt: p.recallAt,
      })),
      messages: messages.filter((m) => m.roomId === seed.space.id).map(view),
    });
  });

  router.get('/playground/api/content/:id', (req, res) => {
    const content = org.contents.get(req.params.id);
    if (!content || content.roomId !== seed.space.id || !content.contentType.startsWith('image/')) {
      res.status(404).end();
      return;
    }
    res.type(content.contentType).send(content.bytes);
  });

  router.use('/playground/api', express.json());

  router.post('/playground/api/say', (req, res) => {
    const body = sayBody.safeParse(req.body);
    if (!body.success || !personIds.has(body.data.personId)) {
      res.status(400).json({ error: 'personId of a playground person and a text of 1 to 500 characters are required' });
      return;
    }
    const { personId, text } = body.data;
    const message = body.data.private
      ? org.postMessage(personId, { toPersonId: seed.bot.id, text })
      : org.postMessage(personId, { roomId: seed.space.id, markdown: `<@personId:${seed.bot.id}|${seed.bot.displayName}> ${text}` });
    res.status(201).json(view(message));
  });

  router.post('/playground/api/call', (req, res) => {
    const body = callBody.safeParse(req.body);
    const to = body.success ? body.data : undefined;
    if (!to || ('personId' in to ? !personIds.has(to.personId) : to.lineId !== seed.mainLine.id)) {
      res.status(400).json({ error: 'personId of a playground person, or lineId of the main line, is required' });
      return;
    }
    callers += 1;
    const from = { name: to.fromName || 'Acme Corp', number: `+1555${String(100 + callers).padStart(7, '0')}` };
    // The main line rings on the receptionist's phone until she answers it there (no call events: Webex sends none for it).
    const call = 'personId' in to ? telephony.placeIncomingCall({ toPersonId: to.personId, from }) : telephony.placeIncomingCallOnLine(to.lineId, from, to.answer ?? false);
    res.status(201).json({ id: call.id });
  });

  /** On a person's phone: answer a ringing call, or hang up (declining it if it rings). */
  router.post('/playground/api/phone', (req, res) => {
    const body = phoneBody.safeParse(req.body);
    if (!body.success || !personIds.has(body.data.personId)) {
      res.status(400).json({ error: 'personId of a playground person, callId and an action (answer or hangup) are required' });
      return;
    }
    const { personId, callId, action } = body.data;
    // A call on a line of theirs is answered (or hung up) on that line, as on a desk phone.
    simulated(res, () => {
      const line = telephony.lineOf(personId, body.data.lineId);
      return action === 'answer' ? telephony.answer(line, callId) : telephony.hangup(line, callId);
    });
  });

  /** The caller of a parked call gives up: Webex tells no one. */
  router.post('/playground/api/caller-hangs-up', (req, res) => {
    const body = parkedBody.safeParse(req.body);
    if (!body.success) {
      res.status(400).json({ error: 'parkedOn is required' });
      return;
    }
    simulated(res, () => telephony.callerHangsUp({ parkedOn: body.data.parkedOn }));
  });

  /** A person dials the park slot from a desk phone, past the bot. */
  router.post('/playground/api/pickup', (req, res) => {
    const body = pickupBody.safeParse(req.body);
    if (!body.success || !personIds.has(body.data.personId)) {
      res.status(400).json({ error: 'personId of a playground person and parkedOn are required' });
      return;
    }
    simulated(res, () => telephony.pickUpFromPhone(body.data.personId, body.data.parkedOn));
  });

  router.post('/playground/api/tap', (req, res) => {
    const body = tapBody.safeParse(req.body);
    if (!body.success || !personIds.has(body.data.personId)) {
      res.status(400).json({ error: 'personId, messageId and inputs are required' });
      return;
    }
    try {
      res.status(201).json(org.submitCard(body.data.personId, { messageId: body.data.messageId, inputs: body.data.inputs }));
    } catch (error) {
      res.status(404).json({ error: error instanceof Error ? error.message : 'That card is gone' });
    }
  });

  return router;
}

/** Runs a phone action; what Webex would refuse (the call has gone) is a 409 with the reason. */
function simulated(res: Response, action: () => unknown): void {
  try {
    action();
    res.status(204).end();
  } catch (error) {
    res.status(409).json({ error: error instanceof Error ? error.message : 'That call is gone' });
  }
}
