import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetaSim, type MetaSim } from '../../meta-sim/index.js';
import { measureGatewayMediaMemory } from '../../bench/media-memory.js';
import { TEST_SECRET } from '../helpers/constants.js';
import { META_TOKEN, PHONE_ID } from '../helpers/sim.js';

// The memory bound: four concurrent ~99 MB documents raise the real gateway process's peak
// resident set (VmHWM) by less than 64 MB, because the upload to Meta streams from disk.
describe('media memory', () => {
  let sim: MetaSim;
  beforeAll(async () => {
    sim = await startMetaSim({ phones: { [PHONE_ID]: META_TOKEN } });
  });
  afterAll(async () => sim.close());

  it('four concurrent 99 MB documents raise the gateway peak RSS by less than 64 MB', async () => {
    const r = await measureGatewayMediaMemory({
      graphUrl: sim.url,
      phoneId: PHONE_ID,
      token: META_TOKEN,
      secret: TEST_SECRET,
    });
    console.log(`VmHWM baseline ${r.baselineKB} kB, peak ${r.peakKB} kB, growth ${r.growthMB} MB`);
    expect(r.statuses, r.bodies.join('\n')).toEqual([200, 200, 200, 200]);
    expect(r.growthMB).toBeLessThan(64);
  }, 90_000);
});
