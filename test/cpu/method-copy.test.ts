/**
 * copyMethod: a copy of a method from its compiled text is a new function
 * that does what the method does, on the same `this`, naming only the scope
 * it is given; what is not a plain method is refused rather than copied wrong.
 */
import { expect } from 'chai';
import { copyMethod } from '../../cpu/index.js';

const STEP = 3;

class Counter {
  n = 0;
  add(k: number): number {
    this.n += k * STEP;
    return this.n;
  }
  get twice(): number { return this.n * 2; }
}

describe('copyMethod', () => {
  it('makes a distinct function that runs the method\'s text on the receiver, with the names of its scope', () => {
    const copy = copyMethod(Counter.prototype.add, 'add_copy', { STEP });
    expect(copy).to.not.equal(Counter.prototype.add);
    expect(copy.name).to.equal('add_copy');
    const c = new Counter();
    expect(copy.call(c, 2)).to.equal(6);
    expect(Counter.prototype.add.call(c, 1)).to.equal(9);
    expect(c.n).to.equal(9);
  });

  it('binds the scope\'s values, not the module\'s: a name given another value reads that value', () => {
    const copy = copyMethod(Counter.prototype.add, 'add_by_ten', { STEP: 10 });
    expect(copy.call(new Counter(), 2)).to.equal(20);
  });

  it('leaves out of scope what it is not given: the copy fails when it reaches the name, as strict code does', () => {
    const copy = copyMethod(Counter.prototype.add, 'add_unscoped', {});
    expect(() => copy.call(new Counter(), 1)).to.throw(ReferenceError, /STEP/);
  });

  it('refuses an arrow function, a getter and a bound function', () => {
    const arrow = (k: number): number => k;
    const getter = Object.getOwnPropertyDescriptor(Counter.prototype, 'twice')?.get as () => number;
    expect(() => copyMethod(arrow, 'x', {})).to.throw(/not a plain method/);
    expect(() => copyMethod(getter, 'x', {})).to.throw(/not a plain method/);
    expect(() => copyMethod(Counter.prototype.add.bind(new Counter()), 'x', {})).to.throw(/not a plain method/);
  });

  it('makes strict-mode copies, like the module code they come from', () => {
    class Probe { thisOf(): unknown { return this; } }
    const copy = copyMethod(Probe.prototype.thisOf, 'this_of', {});
    expect(copy.call(undefined as unknown as Probe)).to.equal(undefined);
  });
});
