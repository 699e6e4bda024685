/**
 * The nommu page allocator and per-process region lists (kernel/mm.ts).
 */
import { expect } from 'chai';
import { ENOMEM } from '../../kernel/errno.js';
import { Mm, PageAllocator, PROT_READ } from '../../kernel/mm.js';

const PAGE = 4096;

describe('kernel: page allocator', () => {
  it('never hands out page 0 and allocates first fit', () => {
    const a = new PageAllocator(64 * PAGE);
    expect(a.totalPages).to.equal(64);
    expect(a.freePages).to.equal(63);
    const x = a.alloc(PAGE);
    const y = a.alloc(3 * PAGE);
    expect(x).to.equal(PAGE);
    expect(y).to.equal(2 * PAGE);
    expect(a.freePages).to.equal(59);
  });

  it('rounds sizes up to pages and honours alignment', () => {
    const a = new PageAllocator(256 * PAGE);
    expect(a.alloc(1)).to.equal(PAGE);
    const z = a.alloc(10, 16 * PAGE);
    expect(z % (16 * PAGE)).to.equal(0);
    expect(z).to.equal(16 * PAGE);
    // The gap left by alignment is still usable.
    expect(a.alloc(PAGE)).to.equal(2 * PAGE);
  });

  it('returns -ENOMEM when no run is large enough, and 0-byte requests fail', () => {
    const a = new PageAllocator(16 * PAGE);
    expect(a.alloc(16 * PAGE)).to.equal(-ENOMEM);
    expect(a.alloc(0)).to.equal(-ENOMEM);
    expect(a.alloc(15 * PAGE)).to.equal(PAGE);
    expect(a.alloc(PAGE)).to.equal(-ENOMEM);
  });

  it('coalesces freed runs with both neighbours', () => {
    const a = new PageAllocator(16 * PAGE);
    const p1 = a.alloc(2 * PAGE), p2 = a.alloc(2 * PAGE), p3 = a.alloc(2 * PAGE);
    a.alloc(9 * PAGE);
    expect(a.alloc(PAGE)).to.equal(-ENOMEM);
    a.release(p1, 2 * PAGE);
    a.release(p3, 2 * PAGE);
    expect(a.alloc(6 * PAGE)).to.equal(-ENOMEM);
    a.release(p2, 2 * PAGE);
    expect(a.alloc(6 * PAGE)).to.equal(p1);
  });

  it('refuses a double free as a kernel bug', () => {
    const a = new PageAllocator(16 * PAGE);
    const p = a.alloc(2 * PAGE);
    a.release(p, 2 * PAGE);
    expect(() => a.release(p, PAGE)).to.throw(/double free/);
  });

  it('grows a region in place only over free pages', () => {
    const a = new PageAllocator(16 * PAGE);
    const p = a.alloc(2 * PAGE);
    expect(a.isFree(p + 2 * PAGE, 4 * PAGE)).to.equal(true);
    a.take(p + 2 * PAGE, 4 * PAGE);
    expect(a.isFree(p + 2 * PAGE, PAGE)).to.equal(false);
    expect(a.freePages).to.equal(15 - 6);
  });
});

describe('kernel: Mm regions', () => {
  const mk = (): { a: PageAllocator; mm: Mm; released: Array<[number, number]> } => {
    const a = new PageAllocator(64 * PAGE);
    const released: Array<[number, number]> = [];
    return { a, mm: new Mm(a, (addr, len) => released.push([addr, len])), released };
  };
  const anon = { prot: PROT_READ, shared: false, kind: 'anon' as const, name: '', offset: 0, dev: 0, ino: 0 };

  it('maps, finds and splits regions, returning pages as they are unmapped', () => {
    const { a, mm, released } = mk();
    const before = a.freePages;
    const p = mm.map(5 * PAGE, anon);
    expect(mm.find(p + 3 * PAGE)?.start).to.equal(p);
    expect(mm.findExact(p)).to.not.equal(null);
    mm.unmapRange(mm.find(p)!, p + 2 * PAGE, p + 3 * PAGE);
    expect(mm.vmas.map((v) => [v.start - p, v.end - p])).to.deep.equal([[0, 2 * PAGE], [3 * PAGE, 5 * PAGE]]);
    expect(mm.vmas[1].offset).to.equal(3 * PAGE);
    expect(released).to.deep.equal([[p + 2 * PAGE, PAGE]]);
    expect(a.freePages).to.equal(before - 4);
    expect(mm.totalBytes).to.equal(4 * PAGE);
  });

  it('releases everything when the last user leaves', () => {
    const { a, mm } = mk();
    const before = a.freePages;
    mm.map(PAGE, anon);
    mm.map(7 * PAGE, anon);
    mm.releaseAll();
    expect(mm.vmas).to.have.length(0);
    expect(a.freePages).to.equal(before);
  });

  it('reports -ENOMEM without recording a region', () => {
    const { mm } = mk();
    expect(mm.map(100 * PAGE, anon)).to.equal(-ENOMEM);
    expect(mm.vmas).to.have.length(0);
  });
});
