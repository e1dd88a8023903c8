import { strict as assert } from 'node:assert';
import { memoryLogger } from './support/memory-logger.js';

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
});
