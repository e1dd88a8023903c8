import { strict as assert } from 'node:assert';
import { explainFailure } from '../../src/bot/user-messages.js';
import { MissingScopeError, NotLinkedError } from '../../src/auth/errors.js';
import { WebexApiError, type WebexErrorKind } from '../../src/webex/errors.js';

describe('what people are told when something fails', () => {
  const statuses: [number | undefined, WebexErrorKind, RegExp][] = [
    [401, 'unauthorized', /link it again/],
    [403, 'forbidden', /Webex Calling licence/],
    [404, 'not-found', /Webex says nothing is parked there any more/],
    [409, 'conflict', /conflict/],
    [423, 'locked', /try again in a few seconds/],
    [429, 'rate-limited', /too many requests/],
    [503, 'unavailable', /Webex is having trouble/],
    [undefined, 'network', /Webex is having trouble/],
  ];
  for (const [status, kind, expected] of statuses) {
    it(`explains ${kind} (${status ?? 'no answer'}) in a plain sentence`, () => {
      const error = new WebexApiError('POST /telephony/calls/retrieve', status, 'internal detail', 'TRACK', undefined, kind);
      const sentence = explainFailure(error, 'retrieve');
      assert.match(sentence, expected);
      assert.ok(!sentence.includes('TRACK') && !sentence.includes('/telephony'), 'no internals');
    });
  }

  it('tells an unlinked person where the link went', () => {
    assert.match(explainFailure(new NotLinkedError('P', 'never-linked'), 'park'), /private message with a link/);
  });

  it('explains why the devices for `ring on` could not be read, without a word about parking', () => {
    const failed = (status: number, kind: WebexErrorKind): string => explainFailure(new WebexApiError('GET /telephony/config/…', status, 'No <b>settings</b>', 'TRACK', undefined, kind), 'ring-on');
    assert.match(failed(403, 'forbidden'), /would not let me read your devices/);
    assert.match(failed(503, 'unavailable'), /could not read your devices\. Please try again in a minute/);
    assert.match(failed(400, 'bad-request'), /would not give me your devices: No &lt;b>settings&lt;\/b>\./);
    assert.match(explainFailure(new MissingScopeError('P', 'spark:telephony_config_read'), 'ring-on'), /one more permission .*private message with a link/);
  });

  it('never passes on an unexpected error’s text', () => {
    const sentence = explainFailure(new TypeError('Cannot read properties of undefined (reading "x") at foo.ts:12'), 'park');
    assert.equal(sentence, 'Something went wrong on my side. Please try again in a moment.');
  });
});
