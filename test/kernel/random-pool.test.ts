/**
 * Kernel.randomBytes without --deterministic: small requests (AT_RANDOM,
 * getrandom of a few bytes) are served from a pool of host random bytes
 * refilled 4 KiB at a time. Every request gets its own bytes: none handed
 * out twice, none shared with a later request, across refills.
 */
import { expect } from 'chai';
import { Kernel } from '../../kernel/index.js';
import { rootfsDir } from '../../userspace/index.js';

describe('kernel: random bytes from the host pool', () => {
  let k: Kernel;
  beforeEach(() => { k = new Kernel({ memBytes: 16 << 20, root: rootfsDir(), siteCacheDir: null, syscallPath: 'trap' }); });
  afterEach(() => k.shutdown());

  it('gives each request fresh bytes, across several refills of the pool', () => {
    const seen = new Set<string>();
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const first = k.randomBytes(16);
    const kept = hex(first);
    for (let n = 0; n < 1000; n++) {
      const b = k.randomBytes(16);
      expect(b.length).to.equal(16);
      seen.add(hex(b));
    }
    // 1000 requests of 16 bytes span four pools: all different (a repeat has odds of 2^-128 per pair).
    expect(seen.size).to.equal(1000);
    expect(seen.has(kept)).to.equal(false);
    // A request owns its bytes: later requests and refills do not change them.
    expect(hex(first)).to.equal(kept);
    first.fill(0);
    expect(hex(k.randomBytes(16))).to.not.equal('0'.repeat(32));
  });

  it('serves odd sizes and large requests', () => {
    const sizes = [1, 7, 255, 256, 257, 4096, 100_000];
    for (const n of sizes) {
      const b = k.randomBytes(n);
      expect(b.length).to.equal(n);
      if (n >= 64) expect(new Set(b).size, `${n} bytes`).to.be.above(16);
    }
  });
});
