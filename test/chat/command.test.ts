import { strict as assert } from 'node:assert';
import { parseCommand, MAX_COMMAND_LENGTH } from '../../src/chat/command.js';

describe('chat command grammar', () => {
  const sam = { personId: 'SAM', name: 'Sam Jones' };

  it('understands every way of asking to park, in any case', () => {
    for (const text of ['park', 'PARK', 'park my call', 'Park my call.', 'park the call', 'park call', '  park   my  call  ']) {
      assert.deepEqual(parseCommand(text), { kind: 'park' }, text);
    }
  });

  it('reads a destination after "park to", normalising phone punctuation', () => {
    assert.deepEqual(parseCommand('park to 1234'), { kind: 'park', destination: '1234' });
    assert.deepEqual(parseCommand('park my call to +1 (222) 333-4444'), { kind: 'park', destination: '+12223334444' });
    assert.deepEqual(parseCommand('park on *73'), { kind: 'park', destination: '*73' });
    assert.deepEqual(parseCommand('park to sip:sam@example.com'), { kind: 'park', destination: 'sip:sam@example.com' });
    assert.deepEqual(parseCommand('park to Sam@Example.com.'), { kind: 'park', destination: 'Sam@Example.com' });
  });

  it('answers a malformed destination with the accepted forms instead of parking', () => {
    const command = parseCommand('park to the moon');
    assert.equal(command.kind, 'invalid');
    assert.match(command.kind === 'invalid' ? command.reason : '', /"the moon" is not a place I can park a call/);
  });

  it('reads "ring on", alone or with words of a device’s name', () => {
    for (const text of ['ring on', 'Ring on', 'ring on.', '  ring   on ']) assert.deepEqual(parseCommand(text), { kind: 'ring-on' }, text);
    assert.deepEqual(parseCommand('ring on desk'), { kind: 'ring-on', device: 'desk' });
    assert.deepEqual(parseCommand('Ring on  the Desk Phone!'), { kind: 'ring-on', device: 'the Desk Phone' });
    assert.deepEqual(parseCommand('ring on Webex’s default'), { kind: 'ring-on', device: 'Webex’s default' });
    assert.equal(parseCommand('ring').kind, 'unknown');
  });

  it('understands group park', () => {
    assert.deepEqual(parseCommand('group park'), { kind: 'park', groupPark: true });
    assert.deepEqual(parseCommand('Park group'), { kind: 'park', groupPark: true });
  });

  it('parks for an @mentioned person, with the rest as a note', () => {
    assert.deepEqual(parseCommand('park for Sam Jones back in 5', [sam]), { kind: 'park', forPerson: sam, note: 'back in 5' });
    assert.deepEqual(parseCommand('park for Sam Jones', [sam]), { kind: 'park', forPerson: sam });
    assert.deepEqual(parseCommand('park my call for sam jones: billing question', [sam]), { kind: 'park', forPerson: sam, note: 'billing question' });
  });

  it('asks for an @mention when "park for" names nobody it can notify', () => {
    const command = parseCommand('park for Sam', []);
    assert.equal(command.kind, 'invalid');
    assert.match(command.kind === 'invalid' ? command.reason : '', /@mention/);
  });

  it('understands retrieve with and without a destination', () => {
    assert.deepEqual(parseCommand('retrieve'), { kind: 'retrieve' });
    assert.deepEqual(parseCommand('Retrieve 1000'), { kind: 'retrieve', destination: '1000' });
    assert.deepEqual(parseCommand('pick up 1000!'), { kind: 'retrieve', destination: '1000' });
    assert.equal(parseCommand('retrieve ???').kind, 'invalid');
  });

  it('understands the other commands', () => {
    assert.deepEqual(parseCommand('parked'), { kind: 'parked' });
    assert.deepEqual(parseCommand('list'), { kind: 'parked' });
    assert.deepEqual(parseCommand('link'), { kind: 'link' });
    assert.deepEqual(parseCommand('Link my account'), { kind: 'link' });
    assert.deepEqual(parseCommand('unlink'), { kind: 'unlink' });
    assert.deepEqual(parseCommand('help'), { kind: 'help' });
    assert.deepEqual(parseCommand('?'), { kind: 'help' });
  });

  it('does not mistake other words for commands', () => {
    for (const text of ['parking lot is full', 'parkour', 'please park', '', 'retrieved', 'linked in']) {
      assert.deepEqual(parseCommand(text), { kind: 'unknown' }, text);
    }
  });

  it('refuses an overlong message with a clear answer', () => {
    const command = parseCommand(`park to ${'1'.repeat(MAX_COMMAND_LENGTH)}`);
    assert.equal(command.kind, 'invalid');
  });
});
