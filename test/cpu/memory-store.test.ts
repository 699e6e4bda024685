/** storeU64: a double as a 64-bit little-endian value (two's complement when negative), both halves. */
import { expect } from 'chai';
import { storeU64 } from '../../cpu/memory.js';

describe('storeU64', () => {
  it('writes small, large and negative values as their 64-bit two\'s complement', () => {
    const dv = new DataView(new ArrayBuffer(16));
    for (const v of [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 2 ** 32, 2 ** 32 + 5, 2 ** 53 - 1, -1, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 40) + 3]) {
      dv.setBigUint64(4, 0xdead_beef_dead_beefn, true);
      storeU64(dv, 4, v);
      expect(dv.getBigUint64(4, true), String(v)).to.equal(BigInt.asUintN(64, BigInt(v)));
    }
  });
});
