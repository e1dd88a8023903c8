import { strict as assert } from 'node:assert';
import { openFrontDesk } from '../support/front-desk.js';
import { waitFor } from '../support/wait.js';
import { World, cardText, linkUrlIn, submitButtons, type TestPerson } from '../support/world.js';
import type { SimMessage, SimRoom } from '../../src/simulator/model.js';

describe('Linking Webex accounts ("Login with Webex")', () => {
  let world: World;
  let rita: TestPerson;
  let sam: TestPerson;
  let priya: TestPerson;
  let frontDesk: SimRoom;

  before(async () => {
    ({ world, rita, sam, priya, frontDesk } = await openFrontDesk([]));
  });

  beforeEach(() => world.hangUpEverything());

  after(async () => {
    await world?.close();
  });

  it('sends an unlinked person a private link prompt and parks nothing', async () => {
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp' } });
    const ritaDm = world.directSpace(rita);

    const prompt = await world.expectBotMessage(ritaDm, () => world.say(rita, frontDesk, 'park my call'), 'the private prompt');
    const inSpace = await world.newBotMessage(frontDesk, new Set(), 'the answer in the space');

    assert.match(cardText(prompt), /Link your Webex account/);
    assert.match(linkUrlIn(prompt), new RegExp(`^${world.botUrl}/oauth/start\\?state=`));
    assert.match(inSpace.text ?? '', /Rita Reception: I need you to link your Webex account first\. I have sent you a private message/);
    assert.equal(world.callControl('').length + world.callControl('/park').length, 0, 'no call control without her token');
    assert.equal(world.sim.telephony.list(rita.id).length, 1, 'the call is still on her phone');
  });

  it('links through Webex consent with PKCE, confirms in Webex, and then parks with her token', async () => {
    const ritaDm = world.directSpace(rita);
    const prompt = await world.expectBotMessage(ritaDm, () => world.say(rita, ritaDm, 'link'));
    const url = linkUrlIn(prompt);

    const start = await fetch(url, { redirect: 'manual' });
    const authorize = new URL(start.headers.get('location') ?? '');
    assert.equal(authorize.origin + authorize.pathname, `${world.sim.apiUrl}/authorize`);
    assert.equal(authorize.searchParams.get('response_type'), 'code');
    assert.equal(authorize.searchParams.get('scope'), 'spark:calls_read spark:calls_write spark:people_read spark:telephony_config_read');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('redirect_uri'), `${world.botUrl}/oauth/callback`);

    const confirmation = await world.expectBotMessage(ritaDm, async () => assert.match(await world.followLink(rita, url), /^200 .*Linked/s));
    assert.match(confirmation.text ?? '', /Your Webex account is linked/);

    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Acme Corp' } });
    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));
    assert.match(cardText(card), /Acme Corp/);
    assert.equal(world.callControl('/park').at(-1)?.personId, rita.id);
  });

  it('accepts a link only once', async () => {
    const samDm = world.directSpace(sam);
    const prompt = await world.expectBotMessage(samDm, () => world.say(sam, samDm, 'link'));
    assert.match(await world.followLink(sam, linkUrlIn(prompt)), /^200 /);

    const again = await fetch(linkUrlIn(prompt), { redirect: 'manual' });
    assert.equal(again.status, 400);
    assert.match(await again.text(), /expired or was already used/);
  });

  it('refuses a link completed by someone other than the person it was made for, and stores nothing', async () => {
    const mallory = world.addPerson('Mallory Other', '2009');
    const dm = world.directSpace(mallory);
    const prompt = await world.expectBotMessage(dm, () => world.say(mallory, dm, 'link'));

    const page = await world.followLink(sam, linkUrlIn(prompt));

    assert.match(page, /^400 .*different Webex user/s);
    world.sim.telephony.placeIncomingCall({ toPersonId: mallory.id, from: { name: 'Someone' } });
    const retry = await world.expectBotMessage(dm, () => world.say(mallory, dm, 'park'));
    assert.match(cardText(retry), /Link your Webex account/, 'Mallory is still not linked');
  });

  it('explains a declined consent', async () => {
    const page = await fetch(`${world.botUrl}/oauth/callback?error=access_denied&state=whatever`);
    assert.equal(page.status, 400);
    assert.match(await page.text(), /did not allow access/);
  });

  it('answers a tap from an unlinked person with a private prompt, retrieves nothing, and the call keeps waiting', async () => {
    const dm = world.directSpace(priya);
    const support = world.groupSpace('Support', [rita, priya]);
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Globex' } });
    const card = await world.expectBotMessage(support, () => world.say(rita, support, 'park'));
    const retrievesBefore = world.callControl('/retrieve').length;

    const prompt = await world.expectBotMessage(dm, () => world.tap(priya, card), 'the private prompt');

    assert.match(cardText(prompt), /Link your Webex account/);
    assert.equal(world.callControl('/retrieve').length, retrievesBefore);
    const result = await world.expectBotMessage(support, () => world.tap(rita, card));
    assert.match(cardText(result), /Retrieved by Rita Reception/, 'the call was still waiting for a linked colleague');
  });

  it('refreshes an expired access token once and carries on', async () => {
    world.sim.org.expireIntegrationAccess(rita.id);
    const refreshesBefore = world.sim.requests.filter((r) => r.path === '/access_token').length;
    world.sim.telephony.placeIncomingCall({ toPersonId: rita.id, from: { name: 'Initech' } });

    const card = await world.expectBotMessage(frontDesk, () => world.say(rita, frontDesk, 'park'));

    assert.match(cardText(card), /Initech/);
    assert.equal(world.sim.requests.filter((r) => r.path === '/access_token').length - refreshesBefore, 1);
    await world.expectBotMessage(frontDesk, () => world.tap(rita, card));
  });

  it('asks to link again when Webex no longer accepts the refresh token', async () => {
    world.sim.org.revokeIntegrationAccess(sam.id);
    const samDm = world.directSpace(sam);
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Hooli' } });

    const seenInDesk = world.seenIn(frontDesk);
    const prompt = await world.expectBotMessage(samDm, () => world.say(sam, frontDesk, 'park'), 'the relink prompt');
    await world.newBotMessage(frontDesk, seenInDesk, 'the pointer to the private message', (m) => /I have sent you a private message/.test(m.text ?? ''));

    assert.match(cardText(prompt), /Your Webex link has expired/);
    assert.equal(world.sim.telephony.list(sam.id).length, 1, 'nothing was parked');
    // Linked again, the park he asked for is carried out with his new token.
    const card = await world.expectBotMessage(frontDesk, async () => assert.match(await world.followLink(sam, linkUrlIn(prompt)), /^200 /), 'the resumed park');
    assert.match(cardText(card), /Hooli/);
    assert.equal(world.sim.telephony.list(sam.id).length, 0, 'the call left his phone for the park');
  });

  describe('a park asked before linking', () => {
    /** `person`, in the front desk, asks to park `call` there while unlinked: the prompt, and the space as it was then. */
    async function parkUnlinked(person: TestPerson): Promise<{ prompt: SimMessage; askedAt: number; seenInDesk: Set<string> }> {
      world.sim.org.addMember(frontDesk.id, person.id, rita.id);
      const dm = world.directSpace(person);
      const asked = await world.say(person, frontDesk, 'park');
      const prompt = await world.newBotMessage(dm, new Set(), 'the link prompt');
      await world.newBotMessage(frontDesk, new Set(), 'the pointer to the private message', (m) => m.text?.startsWith(`${person.name}: I need you to link`) ?? false);
      return { prompt, askedAt: Date.parse(asked.created), seenInDesk: world.seenIn(frontDesk) };
    }

    it('parks, once he links, the call he was on when he asked, and shows it in the space', async () => {
      const cleo = world.addPerson('Cleo Control', '2006');
      world.sim.telephony.placeIncomingCall({ toPersonId: cleo.id, from: { name: 'Xenia Early', number: '+15550161' } });
      const { prompt } = await parkUnlinked(cleo);

      const card = await world.expectBotMessage(frontDesk, async () => assert.match(await world.followLink(cleo, linkUrlIn(prompt)), /^200 /), 'the resumed park');

      assert.match(cardText(card), /Xenia Early/);
      assert.equal(world.callControl('/park').at(-1)?.personId, cleo.id);
      assert.equal(world.sim.telephony.list(cleo.id).length, 0, 'the call left her phone for the park');
    });

    it('never parks a call that began after he asked: he picks privately, and nothing reaches the space', async () => {
      const bob = world.addPerson('Bob Later', '2005');
      const bobDm = world.directSpace(bob);
      const x = world.sim.telephony.placeIncomingCall({ toPersonId: bob.id, from: { name: 'Xavier Early', number: '+15550151' } });
      const { prompt, askedAt, seenInDesk } = await parkUnlinked(bob);
      world.sim.telephony.hangup(bob.id, x.id);
      // Y rings later than the clocks of Webex's messaging and calling may disagree.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, askedAt + 2_500 - Date.now())));
      const y = world.sim.telephony.placeIncomingCall({ toPersonId: bob.id, from: { name: 'Yolanda Private', number: '+15550152' }, answer: false });
      world.sim.telephony.answer(bob.id, y.id);
      const parksBefore = world.callControl('/park').length;

      const seenInDm = world.seenIn(bobDm);
      assert.match(await world.followLink(bob, linkUrlIn(prompt)), /^200 /);
      const newInDesk = (): SimMessage[] => world.botMessages(frontDesk).filter((m) => !seenInDesk.has(m.id));
      const picker = await waitFor('an answer to the resumed park', () => newInDesk()[0] ?? world.botMessages(bobDm).find((m) => !seenInDm.has(m.id) && !/linked/i.test(m.text ?? '')));
      await world.delivered();

      assert.deepEqual(newInDesk().map(cardText), [], 'nothing new in the space');
      assert.equal(world.callControl('/park').length, parksBefore, 'no park request reached Webex');
      assert.equal(picker.roomId, bobDm.id);
      assert.match(cardText(picker), /The call you asked me to park has ended.*Yolanda Private/);
      assert.equal(world.sim.telephony.list(bob.id)[0]?.id, y.id, 'Y is still on his phone');

      // He picks it there: it is parked, and its card stays in the 1:1.
      const card = await world.expectBotMessage(bobDm, () => world.tap(bob, picker, { ...submitButtons(picker)[0]?.data, callId: y.id }));
      assert.match(cardText(card), /Yolanda Private/);
      assert.deepEqual(newInDesk().map(cardText), [], 'still nothing in the space');
    });
  });

  it('forgets a person’s tokens on unlink', async () => {
    const answer = await world.expectBotMessage(frontDesk, () => world.say(sam, frontDesk, 'unlink'));
    assert.match(answer.text ?? '', /I have forgotten your Webex tokens/);

    const samDm = world.directSpace(sam);
    world.sim.telephony.placeIncomingCall({ toPersonId: sam.id, from: { name: 'Stark' } });
    const prompt = await world.expectBotMessage(samDm, () => world.say(sam, frontDesk, 'park'));
    assert.match(cardText(prompt), /not linked your Webex account yet/);
  });
});
