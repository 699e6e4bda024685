/**
 * CodeCache: blocks by start address, dropped by the page their code is on.
 * Its direct-mapped front must never answer with a block that was dropped,
 * nor confuse two addresses that share a slot.
 */
import { expect } from 'chai';
import { Block, CodeCache, interpret } from '../../cpu/block.js';

const block = (addr: number, len = 4) => new Block(addr, addr + len, [], interpret);

describe('code cache', () => {
  const cache = () => new CodeCache(new Uint8Array(1 << 13), new Float64Array(1 << 13));

  it('finds a block after it was dropped and decoded again only as the new one', () => {
    const cc = cache();
    const a = block(0x10010);
    cc.add(a);
    expect(cc.get(0x10010)).to.equal(a);
    expect(cc.get(0x10010)).to.equal(a);
    cc.invalidatePage(0x10);
    expect(a.valid).to.equal(false);
    expect(cc.get(0x10010)).to.equal(undefined);
    const b = block(0x10010);
    cc.add(b);
    expect(cc.get(0x10010)).to.equal(b);
  });

  it('keeps addresses that share a slot of the front apart', () => {
    const cc = cache();
    // Every address 2^23 apart lands in the same slot (the slot mixes bits 0-11 and 11-22).
    const addrs = [0x20000, 0x20000 + (1 << 23), 0x20000 + (2 << 23), 0x21000];
    const blocks = addrs.map((x) => block(x));
    blocks.forEach((b) => cc.add(b));
    for (let round = 0; round < 3; round++) {
      addrs.forEach((x, k) => expect(cc.get(x), `0x${x.toString(16)}`).to.equal(blocks[k]));
      expect(cc.get(0x20004)).to.equal(undefined);
    }
    // Dropping one page leaves the others' blocks found.
    cc.invalidatePage(0x21);
    expect(cc.get(0x21000)).to.equal(undefined);
    expect(cc.get(0x20000)).to.equal(blocks[0]);
    expect(cc.get(0x20000 + (1 << 23))).to.equal(blocks[1]);
  });
});
