/**
 * arith(c), the six arithmetic flags at once (every zpoline syscall and
 * pushf read them), computes the commonest kinds in line: it must give
 * exactly the bits the single-flag getters give, for every kind and size.
 */
import { expect } from 'chai';
import { Core } from '../../cpu/core.js';
import { GuestMemory } from '../../cpu/memory.js';
import { AF, CF, OF, PF, SF, ZF } from '../../cpu/context.js';
import { arith, getAF, getCF, getOF, getPF, getSF, getZF } from '../../cpu/flags.js';

describe('cpu: arith() against the single-flag getters', () => {
  it('agrees on every lazy kind and size, for edge and random operands', () => {
    const c = new Core(new GuestMemory(1 << 20));
    let seed = 0x1234567;
    const next = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed | 0; };
    const EDGES = [0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000];
    const pick = (): number => ((next() & 3) === 0 ? EDGES[(next() >>> 0) % EDGES.length] : next());
    let checked = 0;
    for (let round = 0; round < 4000; round++) {
      // fop = kind * 4 + size code; kind 0 is the eager state, 1..10 the lazy kinds (flags.ts).
      for (let fop = 0; fop < 11 * 4; fop++) {
        c.fop = fop;
        c.fa = pick(); c.fb = pick(); c.fr = pick(); c.fah = pick(); c.fbh = pick(); c.frh = pick();
        c.fc = next() & 1;
        c.flags = next() & 0xfff;
        const single = getCF(c) | (getPF(c) ? PF : 0) | (getAF(c) ? AF : 0) | (getZF(c) ? ZF : 0) | (getSF(c) ? SF : 0) | (getOF(c) ? OF : 0);
        expect(arith(c), `fop ${fop}`).to.equal(single & (CF | PF | AF | ZF | SF | OF));
        checked++;
      }
    }
    expect(checked).to.equal(4000 * 44);
  });
});
