import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { memoryLogger } from './support/memory-logger.js';
import { createLogger, pseudonym } from '../src/logger.js';
import { webexId } from '../src/simulator/ids.js';

describe('logger', () => {
  it('censors anything shaped like a credential, however deep', () => {
    const { logger, text } = memoryLogger();
    logger.info({ token: 'T1', access_token: 'T2', nested: { refreshToken: 'T3', headers: { authorization: 'Bearer T4' } }, code: 'T5' }, 'hello');
    const line = text();
    for (const secret of ['T1', 'T2', 'T3', 'T4', 'T5']) assert.ok(!line.includes(`"${secret}"`) && !line.includes(`Bearer ${secret}`), secret);
    assert.match(line, /\[redacted\]/);
  });

  it('writes one JSON object per line with a level name', () => {
    const { logger, text } = memoryLogger();
    logger.warn({ event: 'x' }, 'm');
    const parsed = JSON.parse(text().trim()) as { level: string; event: string };
    assert.equal(parsed.level, 'warn');
    assert.equal(parsed.event, 'x');
  });

  it('writes readable lines for a person at a terminal, redacted just the same', () => {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const logger = createLogger('info', stream, true);
    logger.warn({ event: 'call-parked', token: 'SECRET-T1' }, 'Call parked');
    assert.match(text, /WARN.*Call parked/);
    assert.match(text, /event: "call-parked"/);
    assert.throws(() => JSON.parse(text.trim()), 'not JSON');
    assert.ok(!text.includes('SECRET-T1'));
  });

  it('writes any Webex id that reaches a line, in a field or a message, as its pseudonym', () => {
    const { logger, text } = memoryLogger();
    const person = webexId('PEOPLE');
    const call = webexId('CALL');
    logger.warn({ error: `GET /people/${person} failed`, nested: { key: `telephony_calls:updated:${person}:${call}` } }, `Call ${call} was not found`);
    const line = text();
    assert.ok(!line.includes(person) && !line.includes(call), line);
    assert.ok(line.includes(`id:${pseudonym(person)}`) && line.includes(`id:${pseudonym(call)}`));
    assert.doesNotThrow(() => JSON.parse(line));
  });
});
