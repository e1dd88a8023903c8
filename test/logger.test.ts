import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { memoryLogger } from './support/memory-logger.js';
import { createLogger } from '../src/logger.js';

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
});
