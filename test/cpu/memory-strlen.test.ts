/**
 * GuestMemory.strlen, which every path syscall uses to fetch its path: it
 * checks each page once, so the edges are page edges. A string that runs
 * into an unreadable page faults at that page's first byte; a NUL in the
 * last byte of a page, a string that ends in the next readable page, the
 * `max` cut and addresses outside RAM behave like the byte-by-byte rule.
 */
import { expect } from 'chai';
import { GuestMemory, MemoryFault, PERM_R, PERM_W } from '../../cpu/index.js';

const P = 4096;

function mem(): GuestMemory {
  const m = new GuestMemory(1 << 20);
  m.u8.fill(0x61, 0, 1 << 20); // 'a' everywhere: no NUL unless a test puts one
  return m;
}

function faultAt(f: () => unknown): number {
  try { f(); } catch (e) {
    expect(e).to.be.instanceOf(MemoryFault);
    return (e as MemoryFault).address;
  }
  throw new Error('no fault');
}

describe('cpu: GuestMemory.strlen at page edges', () => {
  it('finds a NUL in the same page, in the last byte of a page and in the next page', () => {
    const m = mem();
    m.u8[10 * P + 5] = 0;
    expect(m.strlen(10 * P, 100)).to.equal(5);
    m.u8[11 * P - 1] = 0;
    expect(m.strlen(10 * P + 100, P)).to.equal(P - 101);
    m.u8[12 * P + 7] = 0;
    expect(m.strlen(11 * P + 4000, 1000)).to.equal(P - 4000 + 7);
    expect(m.strlen(10 * P + 5, 1)).to.equal(0); // the empty string
  });

  it('returns -1 when max bytes hold no NUL, and looks no further', () => {
    const m = mem();
    m.u8[20 * P + 10] = 0;
    expect(m.strlen(20 * P, 10)).to.equal(-1);
    expect(m.strlen(20 * P, 11)).to.equal(10);
    // An unreadable page right after the max bytes is never touched.
    m.setPerm(21 * P, P, 0);
    expect(m.strlen(21 * P - 8, 8)).to.equal(-1);
  });

  it('faults at the first byte of an unreadable page the string runs into, not before', () => {
    const m = mem();
    m.setPerm(31 * P, P, PERM_W); // writable, not readable
    expect(faultAt(() => m.strlen(30 * P + 4090, 1000))).to.equal(31 * P);
    expect(faultAt(() => m.strlen(31 * P + 3, 10))).to.equal(31 * P + 3);
    m.u8[31 * P - 1] = 0;
    expect(m.strlen(30 * P + 4090, 1000)).to.equal(5);
  });

  it('faults outside RAM', () => {
    const m = mem();
    expect(faultAt(() => m.strlen(-1, 10))).to.equal(-1);
    expect(faultAt(() => m.strlen(1 << 20, 10))).to.equal(1 << 20);
    expect(faultAt(() => m.strlen((1 << 20) - 3, 10))).to.equal(1 << 20);
  });
});
