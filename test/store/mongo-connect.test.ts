import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import { MongoRoomStore } from '../../src/store/mongo.js';
import { freePort } from '../support/prism.js';

describe('MongoDB store connecting', () => {
  it('stops retrying once closed, and says the store never became ready', async () => {
    const attempts: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void attempts.push(line) });
    // Nothing listens there: every attempt fails after the driver's server selection timeout.
    const { store, ready } = MongoRoomStore.open(`mongodb://127.0.0.1:${await freePort()}/nobody`, logger);
    const outcome = ready.then(
      () => 'connected',
      (err: unknown) => err,
    );
    await expect.poll(() => attempts.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await store.close();
    expect(await outcome).toBeInstanceOf(StoreUnavailableError);
    const afterClose = attempts.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(attempts.length).toBe(afterClose);
  }, 20_000);
});
