/**
 * Initial values for numeric fields that V8 must store as doubles from the
 * start.
 *
 * V8 picks a field's representation from the values stored in it (small
 * integer, double, anything) and only ever widens it. Widening changes the
 * hidden class of every object of that class, and every optimized function
 * that relied on the old one is thrown away: all compiled blocks read the
 * Core and the Block they run, so one late widening (the zpoline path's
 * first count stored as a double, a retired count passing 2^31 after a
 * few seconds of guest code) costs seconds of warming up again. Fields
 * whose values can leave the small-integer range (32-bit signed in Node's
 * x64 builds) or arrive as doubles from arithmetic (addresses, budgets,
 * retired counts) therefore start as doubles. test/cpu/hidden-class.test.ts
 * runs real workloads and checks that no class of the engine widens.
 */

/**
 * A zero V8 keeps as a double (-0 is no small integer), equal to 0 in every
 * comparison and sum. A field that should start at another value is
 * declared with it and assigned that value in the constructor: a small
 * integer stored into a double field leaves it a double.
 */
export const DOUBLE_ZERO = -0;
