/**
 * GuestMemory.view: a live byte view of a range of guest RAM, the last one
 * handed out again for the same range (a loop's read(2) into one buffer).
 */
import { expect } from 'chai';
import { GuestMemory } from '../../cpu/memory.js';

describe('GuestMemory.view', () => {
  it('is a live view of the range asked for, reused only for that same range', () => {
    const mem = new GuestMemory(1 << 20);
    const a = mem.view(0x5000, 16);
    expect([a.byteOffset, a.length, a.buffer === mem.buffer]).to.deep.equal([0x5000, 16, true]);
    // Live both ways.
    mem.u8[0x5003] = 7;
    a[4] = 9;
    expect([a[3], mem.u8[0x5004]]).to.deep.equal([7, 9]);
    expect(mem.view(0x5000, 16)).to.equal(a);
    // Another length or start is a view of its own range; back at the first range, a view of it again.
    const b = mem.view(0x5000, 1);
    const c = mem.view(0x5001, 16);
    expect([b.byteOffset, b.length, c.byteOffset, c.length]).to.deep.equal([0x5000, 1, 0x5001, 16]);
    expect(b).to.not.equal(a);
    const d = mem.view(0x5000, 16);
    expect([d.byteOffset, d.length, d[3], d[4]]).to.deep.equal([0x5000, 16, 7, 9]);
    // Each memory has its own.
    const other = new GuestMemory(1 << 20);
    expect(other.view(0x5000, 16).buffer).to.equal(other.buffer);
  });
});
