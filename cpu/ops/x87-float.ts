/**
 * 80-bit extended-precision arithmetic for the x87 family, exact as the
 * hardware computes it: 64-bit significands held as two unsigned 32-bit
 * words (no arbitrary-precision integers, DESIGN.md decision 2), correct rounding in all four
 * rounding modes at 24, 53 or 64 bits of precision, denormals, the x87 NaN
 * rules and the exception flags.
 *
 * musl needs this precision: its printf decides rounding by testing
 * `2/LDBL_EPSILON + small != 2/LDBL_EPSILON` in long double, which double
 * arithmetic gets wrong. Transcendental functions (x87-trans.ts) are the
 * exception: they go through JavaScript's Math in double precision.
 *
 * Results leave through the Ext given as `r` and the module state FX
 * (exception bits, the C1 round-up indicator, fprem's quotient bits).
 * Every operation works in one 96-bit register held in module variables
 * (no allocation, no property access on the hot path), which is why the
 * whole arithmetic unit, conversions included, is this one module.
 */

/** Status-word exception bits. */
export const IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20;

/** An extended value: sign 0/1, biased exponent 0..0x7fff, significand h:l (integer bit = bit 31 of h). */
export class Ext {
  s = 0;
  e = 0;
  h = 0;
  l = 0;
}

/**
 * Side results of the last operation(s): exception bits (accumulated), C1
 * round-up, fprem's quotient bits and partial flag, and whether a narrowing
 * store was tiny. `wrap` (set by the caller) holds OE/UE when unmasked: such
 * results keep their significand and get the exponent biased by 0x6000.
 * `den` notes a denormal m32/m64 source (normal once widened): the operation
 * decides whether DE is raised (not when a NaN, an invalid operation or a
 * division by zero takes precedence).
 */
export const FX = { exc: 0, up: 0, q: 0, partial: false, tiny: false, wrap: 0, den: false };

const BIAS = 16383;
const TWO32 = 4294967296;

// ---- classes ----

export function isZero(a: Ext): boolean { return a.e === 0 && a.h === 0 && a.l === 0; }
export function isInf(a: Ext): boolean { return a.e === 0x7fff && a.h === 0x80000000 && a.l === 0; }
export function isNaN80(a: Ext): boolean {
  return a.e === 0x7fff && a.h >= 0x80000000 && (a.h !== 0x80000000 || a.l !== 0);
}
export function isSNaN(a: Ext): boolean { return isNaN80(a) && (a.h & 0x40000000) === 0; }
/** Unnormals, pseudo-NaNs and pseudo-infinities: invalid operands since the 387. */
export function isUnsupported(a: Ext): boolean { return a.e !== 0 && a.h < 0x80000000; }
/** Denormal or pseudo-denormal (exponent field 0, significand nonzero). */
export function isDenormal(a: Ext): boolean { return a.e === 0 && (a.h !== 0 || a.l !== 0); }

export function set(r: Ext, s: number, e: number, h: number, l: number): void {
  r.s = s; r.e = e; r.h = h; r.l = l;
}
export function copy(r: Ext, a: Ext): void {
  r.s = a.s; r.e = a.e; r.h = a.h; r.l = a.l;
}
/** The QNaN "real indefinite", the masked response to invalid operations. */
export function indefinite(r: Ext): void { set(r, 1, 0x7fff, 0xc0000000, 0); }
export function setInf(r: Ext, s: number): void { set(r, s, 0x7fff, 0x80000000, 0); }
export function setZero(r: Ext, s: number): void { set(r, s, 0, 0, 0); }
export function setOne(r: Ext, s: number): void { set(r, s, BIAS, 0x80000000, 0); }

// ---- the 96-bit working register w2:w1:w0 (w0 holds bits below the 64-bit significand) ----

let w2 = 0, w1 = 0, w0 = 0;

/** Shifts w right by n, ORing every bit shifted out into bit 0 of w0 (sticky). */
function shrJam(n: number): void {
  if (n <= 0) return;
  if (n >= 96) {
    const any = (w2 | w1 | w0) !== 0;
    w2 = 0; w1 = 0; w0 = any ? 1 : 0;
    return;
  }
  let sticky = 0;
  while (n >= 32) { sticky |= w0; w0 = w1; w1 = w2; w2 = 0; n -= 32; }
  if (n > 0) {
    sticky |= w0 << (32 - n);
    w0 = ((w0 >>> n) | (w1 << (32 - n))) >>> 0;
    w1 = ((w1 >>> n) | (w2 << (32 - n))) >>> 0;
    w2 = w2 >>> n;
  }
  if (sticky !== 0) w0 = (w0 | 1) >>> 0;
}

function shl(n: number): void {
  while (n >= 32) { w2 = w1; w1 = w0; w0 = 0; n -= 32; }
  if (n > 0) {
    w2 = ((w2 << n) | (w1 >>> (32 - n))) >>> 0;
    w1 = ((w1 << n) | (w0 >>> (32 - n))) >>> 0;
    w0 = (w0 << n) >>> 0;
  }
}

function clz96(): number {
  if (w2 !== 0) return Math.clz32(w2);
  if (w1 !== 0) return 32 + Math.clz32(w1);
  if (w0 !== 0) return 64 + Math.clz32(w0);
  return 96;
}

/** Normalized operand: exponent (may be < 1 for denormals) and significand with bit 63 set. */
let nE = 0, nH = 0, nL = 0;
function unpack(a: Ext): void {
  let e = a.e === 0 ? 1 : a.e, h = a.h, l = a.l;
  if (h < 0x80000000) {
    const z = h !== 0 ? Math.clz32(h) : 32 + Math.clz32(l);
    if (z >= 32) {
      h = (l << (z - 32)) >>> 0;
      l = 0;
    } else {
      h = ((h << z) | (l >>> (32 - z))) >>> 0;
      l = (l << z) >>> 0;
    }
    e -= z;
  }
  nE = e; nH = h; nL = l;
}

/**
 * Rounds w (normalized: bit 95 set) with biased exponent `exp` (unbounded) to
 * `prec` bits under rounding control rc (0 nearest, 1 down, 2 up, 3 zero) and
 * packs it into r, raising PE, UE, OE and setting FX.up.
 */
export function roundPack(r: Ext, sign: number, exp: number, prec: number, rc: number): void {
  FX.up = 0;
  if (exp >= 0x7fff) {
    if ((FX.wrap & OE) === 0) { overflow(r, sign, prec, rc); return; }
    // unmasked: biased exponent; beyond even that, infinity (reference processor)
    if (exp - 0x6000 >= 0x7fff) { FX.exc |= OE | PE; setInf(r, sign); FX.up = 1; return; }
    exp -= 0x6000;
    FX.exc |= OE;
  }
  let den = 0, tiny = false;
  if (exp <= 0) {
    // x86 detects tininess after rounding: just below 2^-16382 may round up to it
    tiny = exp < 0 || !carries(prec, rc, sign);
    if ((FX.wrap & UE) === 0 || !tiny) { den = 1 - exp; exp = 0; } else {
      if (exp + 0x6000 <= 0) { FX.exc |= UE | PE; setZero(r, sign); return; }
      exp += 0x6000;
      FX.exc |= UE;
    }
  }
  const drop = 64 - prec;
  shrJam(drop + den);
  let hi = w2, lo = w1;
  const g = w0;
  if (g !== 0) {
    FX.exc |= PE;
    if (tiny) FX.exc |= UE;
    let inc: boolean;
    switch (rc) {
      case 0: inc = g > 0x80000000 || (g === 0x80000000 && (lo & 1) !== 0); break;
      case 1: inc = sign !== 0; break;
      case 2: inc = sign === 0; break;
      default: inc = false;
    }
    if (inc) {
      FX.up = 1;
      lo = (lo + 1) >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
      if (den === 0) {
        // carry into bit `prec`: the significand becomes 2^(prec-1) one binade up
        const carry = prec === 64 ? (hi === 0 && lo === 0) : prec === 53 ? hi >= 0x200000 : lo >= 0x1000000;
        if (carry) {
          exp++;
          if (prec === 64) { hi = 0x80000000; lo = 0; } else if (prec === 53) { hi = 0x100000; lo = 0; } else { hi = 0; lo = 0x800000; }
          if (exp >= 0x7fff) {
            if ((FX.wrap & OE) === 0) { overflow(r, sign, prec, rc); return; }
            exp -= 0x6000;
            FX.exc |= OE;
          }
        }
      }
    }
  }
  if (drop === 11) {
    hi = ((hi << 11) | (lo >>> 21)) >>> 0; lo = (lo << 11) >>> 0;
  } else if (drop === 40) {
    hi = (lo << 8) >>> 0; lo = 0;
  }
  if (den > 0 && hi >= 0x80000000) exp = 1; // rounded up into the normal range
  r.s = sign; r.e = exp; r.h = hi; r.l = lo;
}

/** Whether rounding the normalized w to `prec` bits carries out of the significand (it is all ones there). */
function carries(prec: number, rc: number, sign: number): boolean {
  let ones: boolean, half: boolean, any: boolean;
  if (prec === 64) {
    ones = w2 === 0xffffffff && w1 === 0xffffffff;
    half = w0 >= 0x80000000; any = w0 !== 0;
  } else if (prec === 53) {
    ones = w2 === 0xffffffff && w1 >>> 11 === 0x1fffff;
    const rb = w1 & 0x7ff;
    half = rb >= 0x400; any = rb !== 0 || w0 !== 0;
  } else {
    ones = w2 >>> 8 === 0xffffff;
    const rb = w2 & 0xff;
    half = rb >= 0x80; any = rb !== 0 || w1 !== 0 || w0 !== 0;
  }
  if (!ones) return false;
  return rc === 0 ? half : rc === 1 ? sign !== 0 && any : rc === 2 ? sign === 0 && any : false;
}

function overflow(r: Ext, sign: number, prec: number, rc: number): void {
  FX.exc |= OE | PE;
  if (rc === 0 || (rc === 1 && sign !== 0) || (rc === 2 && sign === 0)) {
    setInf(r, sign);
    FX.up = 1;
  } else {
    // largest finite value at this precision
    set(r, sign, 0x7ffe, prec === 24 ? 0xffffff00 : 0xffffffff, prec === 64 ? 0xffffffff : prec === 53 ? 0xfffff800 : 0);
    FX.up = 0;
  }
}

/** Packs an exact (unrounded-needed) value already in w. */
function packExact(r: Ext, sign: number, exp: number): void {
  if (w2 === 0 && w1 === 0 && w0 === 0) { setZero(r, sign); return; }
  const z = clz96();
  shl(z);
  roundPack(r, sign, exp - z, 64, 0);
}

// ---- NaN rules ----

/**
 * Two-operand NaN and unsupported-operand handling. Returns true when r holds
 * the result: the real indefinite for unsupported operands (IE), else the
 * NaN chosen by the x87 rule (a QNaN beats an SNaN, then the larger
 * significand, then the positive sign), quieted; IE when an SNaN took part.
 */
export function nan2(r: Ext, a: Ext, b: Ext): boolean {
  if (isUnsupported(a) || isUnsupported(b)) { FX.exc |= IE; indefinite(r); return true; }
  const na = isNaN80(a), nb = isNaN80(b);
  if (!na && !nb) return false;
  const sa = na && (a.h & 0x40000000) === 0, sb = nb && (b.h & 0x40000000) === 0;
  if (sa || sb) FX.exc |= IE;
  let pick: Ext;
  if (na && nb) {
    if (sa !== sb) pick = sa ? b : a;
    else {
      const ha = a.h & 0x3fffffff, hb = b.h & 0x3fffffff;
      if (ha !== hb) pick = ha > hb ? a : b;
      else if (a.l !== b.l) pick = a.l > b.l ? a : b;
      else pick = a.s === 0 ? a : b;
    }
  } else pick = na ? a : b;
  set(r, pick.s, 0x7fff, (pick.h | 0x40000000) >>> 0, pick.l);
  return true;
}

/** DE when an operand is denormal (an m32/m64 source included, see FX.den). */
function denormal2(a: Ext, b: Ext): void {
  if (isDenormal(a) || isDenormal(b) || FX.den) FX.exc |= DE;
  FX.den = false;
}

/** One-operand version of nan2. */
export function nan1(r: Ext, a: Ext): boolean {
  if (isUnsupported(a)) { FX.exc |= IE; indefinite(r); return true; }
  if (!isNaN80(a)) return false;
  if ((a.h & 0x40000000) === 0) FX.exc |= IE;
  set(r, a.s, 0x7fff, (a.h | 0x40000000) >>> 0, a.l);
  return true;
}

// ---- arithmetic ----

/** r = a + (-1)^neg * b. */
export function add(r: Ext, a: Ext, b: Ext, neg: number, prec: number, rc: number): void {
  FX.up = 0;
  if (nan2(r, a, b)) return;
  denormal2(a, b);
  const as = a.s, bs = b.s ^ neg;
  const ai = a.e === 0x7fff, bi = b.e === 0x7fff;
  if (ai || bi) {
    if (ai && bi && as !== bs) { FX.exc |= IE; indefinite(r); return; }
    setInf(r, ai ? as : bs);
    FX.up = 0;
    return;
  }
  const az = isZero(a), bz = isZero(b);
  if (az && bz) { setZero(r, as === bs ? as : rc === 1 ? 1 : 0); FX.up = 0; return; }
  if (az || bz) {
    // x + 0 = x, rounded to the precision in force
    unpack(az ? b : a);
    w2 = nH; w1 = nL; w0 = 0;
    roundPack(r, az ? bs : as, nE, prec, rc);
    return;
  }
  unpack(a);
  let ea = nE, ah = nH, al = nL;
  unpack(b);
  let eb = nE, bh = nH, bl = nL;
  let sa = as, sb = bs;
  // make a the operand of larger magnitude
  if (eb > ea || (eb === ea && (bh > ah || (bh === ah && bl > al)))) {
    let t = ea; ea = eb; eb = t;
    t = ah; ah = bh; bh = t;
    t = al; al = bl; bl = t;
    t = sa; sa = sb; sb = t;
  }
  w2 = bh; w1 = bl; w0 = 0;
  shrJam(ea - eb);
  if (sa === sb) {
    const lo = w1 + al;
    const hi = w2 + ah + (lo >= TWO32 ? 1 : 0);
    w1 = lo >>> 0;
    w2 = hi >>> 0;
    if (hi >= TWO32) {
      w0 = ((w0 >>> 1) | (w1 << 31) | (w0 & 1)) >>> 0;
      w1 = ((w1 >>> 1) | (w2 << 31)) >>> 0;
      w2 = (w2 >>> 1 | 0x80000000) >>> 0;
      ea++;
    }
    roundPack(r, sa, ea, prec, rc);
    return;
  }
  // |a| >= |b|: a - b
  let t0 = 0 - w0, borrow = 0;
  if (t0 < 0) { t0 += TWO32; borrow = 1; }
  let t1 = al - w1 - borrow;
  borrow = 0;
  if (t1 < 0) { t1 += TWO32; borrow = 1; }
  const t2 = ah - w2 - borrow;
  w2 = t2; w1 = t1; w0 = t0;
  if (w2 === 0 && w1 === 0 && w0 === 0) { setZero(r, rc === 1 ? 1 : 0); FX.up = 0; return; }
  const z = clz96();
  shl(z);
  roundPack(r, sa, ea - z, prec, rc);
}

let mh = 0, ml = 0;
/** 32 x 32 -> 64-bit product in mh:ml. */
function mul32(x: number, y: number): void {
  const xl = x & 0xffff, xh = x >>> 16, yl = y & 0xffff, yh = y >>> 16;
  const ll = xl * yl;
  const mid = xl * yh + xh * yl + (ll >>> 16);
  ml = Math.imul(x, y) >>> 0;
  mh = xh * yh + Math.floor(mid / 65536);
}

/** r = a * b (* 2^k: an exponent adjustment applied before the one rounding). */
export function mul(r: Ext, a: Ext, b: Ext, prec: number, rc: number, k = 0): void {
  FX.up = 0;
  if (nan2(r, a, b)) return;
  denormal2(a, b);
  const s = a.s ^ b.s;
  const ai = a.e === 0x7fff, bi = b.e === 0x7fff;
  const az = isZero(a), bz = isZero(b);
  if (ai || bi) {
    if (az || bz) { FX.exc |= IE; indefinite(r); return; }
    setInf(r, s); FX.up = 0; return;
  }
  if (az || bz) { setZero(r, s); FX.up = 0; return; }
  unpack(a);
  const ea = nE, a1 = nH, a0 = nL;
  unpack(b);
  const eb = nE, b1 = nH, b0 = nL;
  mul32(a0, b0); const p0 = ml, c00 = mh;
  mul32(a0, b1); const l01 = ml, h01 = mh;
  mul32(a1, b0); const l10 = ml, h10 = mh;
  mul32(a1, b1); const l11 = ml, h11 = mh;
  const s1 = c00 + l01 + l10;
  const s2 = h01 + h10 + l11 + Math.floor(s1 / TWO32);
  const p3 = (h11 + Math.floor(s2 / TWO32)) >>> 0;
  const p2 = s2 >>> 0, p1 = s1 >>> 0;
  let exp = ea + eb - BIAS + k;
  w2 = p3; w1 = p2; w0 = p1 | (p0 !== 0 ? 1 : 0);
  w0 >>>= 0;
  if (w2 >= 0x80000000) exp++;
  else {
    // product in [2^126, 2^127): one more bit; p0's top bit is exact, the rest sticky
    w2 = ((w2 << 1) | (w1 >>> 31)) >>> 0;
    w1 = ((w1 << 1) | (p1 >>> 31)) >>> 0;
    w0 = (((p1 << 1) | (p0 >>> 31)) | ((p0 & 0x7fffffff) !== 0 ? 1 : 0)) >>> 0;
  }
  roundPack(r, s, exp, prec, rc);
}

export function div(r: Ext, a: Ext, b: Ext, prec: number, rc: number): void {
  FX.up = 0;
  if (nan2(r, a, b)) return;
  const s = a.s ^ b.s;
  const ai = a.e === 0x7fff, bi = b.e === 0x7fff;
  const az = isZero(a), bz = isZero(b);
  if ((ai && bi) || (az && bz)) { FX.exc |= IE; indefinite(r); return; }
  if (bz && !ai) { FX.exc |= ZE; setInf(r, s); return; }
  denormal2(a, b);
  if (ai) { setInf(r, s); return; }
  if (bi) { setZero(r, s); return; }
  if (az) { setZero(r, s); return; }
  unpack(a);
  let exp = nE;
  let r1 = nH, r0 = nL, r2 = 0;
  unpack(b);
  exp = exp - nE + BIAS;
  const bh = nH, bl = nL;
  let q2 = 0, q1 = 0, q0 = 0;
  for (let k = 0; k < 66; k++) {
    if (r2 !== 0 || r1 > bh || (r1 === bh && r0 >= bl)) {
      let t = r0 - bl, br = 0;
      if (t < 0) { t += TWO32; br = 1; }
      r0 = t;
      t = r1 - bh - br;
      if (t < 0) { t += TWO32; r2 = 0; } // a borrow from r2 (which was 1)
      r1 = t;
      if (k < 32) q2 |= 1 << (31 - k); else if (k < 64) q1 |= 1 << (63 - k); else q0 |= 1 << (95 - k);
    }
    r2 = r1 >>> 31;
    r1 = ((r1 << 1) | (r0 >>> 31)) >>> 0;
    r0 = (r0 << 1) >>> 0;
  }
  w2 = q2 >>> 0; w1 = q1 >>> 0; w0 = q0 >>> 0;
  if (r2 !== 0 || r1 !== 0 || r0 !== 0) w0 = (w0 | 1) >>> 0;
  if (w2 < 0x80000000) { shl(1); exp--; }
  roundPack(r, s, exp, prec, rc);
}

export function sqrt(r: Ext, a: Ext, prec: number, rc: number): void {
  FX.up = 0;
  if (nan1(r, a)) return;
  if (isZero(a)) { copy(r, a); return; }
  if (a.s !== 0) { FX.exc |= IE; indefinite(r); return; }
  if (a.e === 0x7fff) { copy(r, a); return; }
  if (isDenormal(a)) FX.exc |= DE;
  unpack(a);
  const E = nE - BIAS;
  const mH = nH, mL = nL;
  // Radicand N = M * 2^66 (E odd) or M * 2^65 (E even); its integer square root has 65 bits.
  const shift = (E & 1) !== 0 ? 66 : 65;
  const er = (E & 1) !== 0 ? (E - 1) / 2 : E / 2;
  let res2 = 0, res1 = 0, res0 = 0; // result (up to 65 bits)
  let m2 = 0, m1 = 0, m0 = 0;       // remainder (up to 67 bits)
  for (let j = 128; j >= 0; j -= 2) {
    // next two bits of N: bits j+1 and j
    const b1 = bitOfM(mH, mL, j + 1 - shift), b0 = bitOfM(mH, mL, j - shift);
    // m = m*4 + bits
    m2 = ((m2 << 2) | (m1 >>> 30)) >>> 0;
    m1 = ((m1 << 2) | (m0 >>> 30)) >>> 0;
    m0 = ((m0 << 2) | (b1 << 1) | b0) >>> 0;
    // trial = res*4 + 1
    const t2 = ((res2 << 2) | (res1 >>> 30)) >>> 0;
    const t1 = ((res1 << 2) | (res0 >>> 30)) >>> 0;
    const t0 = ((res0 << 2) | 1) >>> 0;
    const ge = m2 !== t2 ? m2 > t2 : m1 !== t1 ? m1 > t1 : m0 >= t0;
    // res = res*2 + ge
    res2 = ((res2 << 1) | (res1 >>> 31)) >>> 0;
    res1 = ((res1 << 1) | (res0 >>> 31)) >>> 0;
    res0 = ((res0 << 1) | (ge ? 1 : 0)) >>> 0;
    if (ge) {
      let d = m0 - t0, br = 0;
      if (d < 0) { d += TWO32; br = 1; }
      m0 = d;
      d = m1 - t1 - br; br = 0;
      if (d < 0) { d += TWO32; br = 1; }
      m1 = d;
      m2 = m2 - t2 - br;
    }
  }
  // res = 65 bits: significand res >> 1, round bit res & 1, sticky = remainder != 0
  w2 = ((res2 << 31) | (res1 >>> 1)) >>> 0;
  w1 = ((res1 << 31) | (res0 >>> 1)) >>> 0;
  w0 = (((res0 & 1) << 31) | ((m2 | m1 | m0) !== 0 ? 1 : 0)) >>> 0;
  roundPack(r, 0, er + BIAS, prec, rc);
}

function bitOfM(h: number, l: number, k: number): number {
  if (k < 0 || k > 63) return 0;
  return k >= 32 ? (h >>> (k - 32)) & 1 : (l >>> k) & 1;
}

/**
 * Rounds a finite nonzero value to an integer under rc (frndint, fist):
 * leaves the magnitude in iH:iL (64 bits) and whether it exceeds 64 bits
 * in iBig; raises PE and sets FX.up when inexact.
 */
let iH = 0, iL = 0, iBig = false;
function toIntMag(a: Ext, rc: number): void {
  unpack(a);
  const E = nE - BIAS;
  FX.up = 0;
  if (E >= 64) { iBig = true; iH = 0; iL = 0; return; }
  iBig = false;
  w2 = nH; w1 = nL; w0 = 0;
  shrJam(63 - E);
  let hi = w2, lo = w1;
  const g = w0;
  if (g !== 0) {
    FX.exc |= PE;
    const inc = rc === 0 ? g > 0x80000000 || (g === 0x80000000 && (lo & 1) !== 0) : rc === 1 ? a.s !== 0 : rc === 2 ? a.s === 0 : false;
    if (inc) {
      FX.up = 1;
      lo = (lo + 1) >>> 0;
      if (lo === 0) { hi = (hi + 1) >>> 0; if (hi === 0) iBig = true; }
    }
  }
  iH = hi; iL = lo;
}

/** frndint: r = a rounded to an integer under rc. */
export function roundInt(r: Ext, a: Ext, rc: number): void {
  FX.up = 0;
  if (nan1(r, a)) return;
  if (isZero(a) || a.e === 0x7fff) { copy(r, a); return; }
  if (isDenormal(a)) FX.exc |= DE;
  if (a.e - BIAS >= 63) { copy(r, a); return; }
  toIntMag(a, rc);
  if (iH === 0 && iL === 0) { setZero(r, a.s); return; }
  w2 = iH; w1 = iL; w0 = 0;
  const z = clz96();
  shl(z);
  set(r, a.s, BIAS + 63 - z, w2, w1);
}

/**
 * fist/fistp/fisttp: a as a `bits`-bit two's complement integer (16, 32 or 64)
 * in INT.lo/INT.hi. Out of range, NaN, infinity or unsupported: IE and the
 * integer indefinite (only the sign bit set).
 */
export const INT = { lo: 0, hi: 0 };
export function toInt(a: Ext, bits: number, rc: number): void {
  FX.up = 0;
  let bad = isNaN80(a) || isUnsupported(a) || isInf(a);
  if (!bad) {
    if (isZero(a)) { INT.lo = 0; INT.hi = 0; return; }
    const saveExc = FX.exc;
    toIntMag(a, rc);
    // limit: 2^(bits-1) - 1, or 2^(bits-1) for negatives
    if (iBig) bad = true;
    else if (bits === 64) bad = iH > 0x80000000 || (iH === 0x80000000 && (iL !== 0 || a.s === 0));
    else {
      const lim = bits === 32 ? 0x80000000 : 0x8000;
      bad = iH !== 0 || iL > lim || (iL === lim && a.s === 0);
    }
    if (bad) { FX.exc = saveExc; FX.up = 0; }
    else {
      let lo = iL, hi = iH;
      if (a.s !== 0) {
        lo = (~lo + 1) >>> 0;
        hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
      }
      INT.lo = lo | 0; INT.hi = hi | 0;
      return;
    }
  }
  FX.exc |= IE;
  if (bits === 64) { INT.lo = 0; INT.hi = 0x80000000 | 0; } else { INT.lo = bits === 32 ? 0x80000000 | 0 : 0x8000; INT.hi = 0; }
}

/** Signed 64-bit integer (lo, hi halves) to extended: exact. */
export function fromInt(r: Ext, lo: number, hi: number): void {
  let s = 0;
  lo >>>= 0; hi >>>= 0;
  if (hi >= 0x80000000) {
    s = 1;
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  }
  if (hi === 0 && lo === 0) { setZero(r, s); return; }
  w2 = hi; w1 = lo; w0 = 0;
  const z = clz96();
  shl(z);
  set(r, s, BIAS + 63 - z, w2, w1);
}

/** Double bits (lo, hi words) to extended: exact; keeps an SNaN signaling; DE for a denormal. */
export function fromF64(r: Ext, lo: number, hi: number): void {
  lo >>>= 0; hi >>>= 0;
  const s = hi >>> 31, e = (hi >>> 20) & 0x7ff, fh = hi & 0xfffff;
  if (e === 0x7ff) {
    set(r, s, 0x7fff, (0x80000000 | (fh << 11) | (lo >>> 21)) >>> 0, (lo << 11) >>> 0);
    return;
  }
  if (e === 0) {
    if (fh === 0 && lo === 0) { setZero(r, s); return; }
    FX.den = true;
    w2 = ((fh << 11) | (lo >>> 21)) >>> 0; w1 = (lo << 11) >>> 0; w0 = 0;
    const z = clz96();
    shl(z);
    set(r, s, 1 - 1023 + BIAS - z, w2, w1);
    return;
  }
  set(r, s, e - 1023 + BIAS, (0x80000000 | (fh << 11) | (lo >>> 21)) >>> 0, (lo << 11) >>> 0);
}

/** Float bits to extended (as fromF64). */
export function fromF32(r: Ext, bits: number): void {
  bits >>>= 0;
  const s = bits >>> 31, e = (bits >>> 23) & 0xff, f = bits & 0x7fffff;
  if (e === 0xff) { set(r, s, 0x7fff, (0x80000000 | (f << 8)) >>> 0, 0); return; }
  if (e === 0) {
    if (f === 0) { setZero(r, s); return; }
    FX.den = true;
    const z = Math.clz32(f << 8);
    set(r, s, 1 - 127 + BIAS - z, (f << (8 + z)) >>> 0, 0);
    return;
  }
  set(r, s, e - 127 + BIAS, (0x80000000 | (f << 8)) >>> 0, 0);
}

/** Result of toNarrow: the bits (hi, lo words of a double; a float in lo). */
export const NARROW = { hi: 0, lo: 0 };

/**
 * Rounds a to double (mbits 53) or float (24) under rc, as fst does: OE, UE,
 * PE, IE for an SNaN (stored quieted) or unsupported value (indefinite).
 */
export function toNarrow(a: Ext, mbits: number, rc: number): void {
  const dbl = mbits === 53;
  const emax = dbl ? 1023 : 127, ebias = emax;
  const s = a.s;
  FX.up = 0;
  FX.tiny = false;
  if (isUnsupported(a)) { FX.exc |= IE; a = INDEF; }
  if (a.e === 0x7fff) {
    const nan = isNaN80(a);
    if (nan && (a.h & 0x40000000) === 0) FX.exc |= IE;
    const qh = nan ? (a.h | 0x40000000) >>> 0 : a.h;
    const sg = a.s;
    if (dbl) { NARROW.hi = ((sg << 31) | 0x7ff00000 | ((qh >>> 11) & 0xfffff)) >>> 0; NARROW.lo = ((qh << 21) | (a.l >>> 11)) >>> 0; } else { NARROW.hi = 0; NARROW.lo = ((sg << 31) | 0x7f800000 | ((qh >>> 8) & 0x7fffff)) >>> 0; }
    return;
  }
  if (isZero(a)) { NARROW.hi = dbl ? (s << 31) >>> 0 : 0; NARROW.lo = dbl ? 0 : (s << 31) >>> 0; return; }
  unpack(a);
  let E = nE - BIAS;
  const emin = 1 - emax;
  if (E > emax) { narrowOverflow(s, dbl, rc); return; }
  const den = E < emin ? emin - E : 0;
  w2 = nH; w1 = nL; w0 = 0;
  FX.tiny = den > 1 || (den === 1 && !carries(mbits, rc, s));
  shrJam(64 - mbits + den);
  let hi = w2, lo = w1;
  const g = w0;
  if (g !== 0) {
    FX.exc |= PE;
    if (FX.tiny) FX.exc |= UE;
    const inc = rc === 0 ? g > 0x80000000 || (g === 0x80000000 && (lo & 1) !== 0) : rc === 1 ? s !== 0 : rc === 2 ? s === 0 : false;
    if (inc) {
      FX.up = 1;
      lo = (lo + 1) >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
      if (den === 0 && (dbl ? hi >= 0x200000 : lo >= 0x1000000)) {
        // carried into the next binade
        E++;
        if (E > emax) { narrowOverflow(s, dbl, rc); return; }
        if (dbl) { hi = 0x100000; lo = 0; } else lo = 0x800000;
      }
    }
  }
  // hi:lo is the significand with its integer bit at bit 52 (23), or less for denormals
  const normal = dbl ? hi >= 0x100000 : lo >= 0x800000;
  const ef = normal ? (den > 0 ? 1 : E + ebias) : 0;
  if (dbl) { NARROW.hi = ((s << 31) | (ef << 20) | (hi & 0xfffff)) >>> 0; NARROW.lo = lo; } else { NARROW.hi = 0; NARROW.lo = ((s << 31) | (ef << 23) | (lo & 0x7fffff)) >>> 0; }
}

function narrowOverflow(s: number, dbl: boolean, rc: number): void {
  FX.exc |= OE | PE;
  const toInf = rc === 0 || (rc === 1 && s !== 0) || (rc === 2 && s === 0);
  FX.up = toInf ? 1 : 0;
  if (dbl) { NARROW.hi = ((s << 31) | (toInf ? 0x7ff00000 : 0x7fefffff)) >>> 0; NARROW.lo = toInf ? 0 : 0xffffffff; } else { NARROW.hi = 0; NARROW.lo = ((s << 31) | (toInf ? 0x7f800000 : 0x7f7fffff)) >>> 0; }
}

const INDEF = new Ext();
indefinite(INDEF);

// ---- doubles (for the fpr mirror and the transcendental functions) ----

const POW2 = new Float64Array(2400);
for (let k = 0; k < 2400; k++) POW2[k] = 2 ** (k - 1200);

const cvt = new Float64Array(1);
const cvtU = new Uint32Array(cvt.buffer);

/** The double nearest to a (NaN payloads truncated, SNaNs kept signaling; unsupported -> NaN). */
export function toDouble(a: Ext): number {
  const e = a.e;
  if (e > BIAS - 1000 && e < BIAS + 1000 && a.h >= 0x80000000) {
    const k = e - BIAS;
    const v = a.h * POW2[k - 31 + 1200] + a.l * POW2[k - 63 + 1200];
    return a.s !== 0 ? -v : v;
  }
  if (isZero(a)) return a.s !== 0 ? -0 : 0;
  if (e === 0x7fff && isNaN80(a)) {
    let fh = (a.h >>> 11) & 0xfffff, fl = ((a.h << 21) | (a.l >>> 11)) >>> 0;
    if (fh === 0 && fl === 0) fl = 1; // payload only in the dropped bits: keep it a NaN
    cvtU[1] = ((a.s << 31) | 0x7ff00000 | fh) >>> 0; cvtU[0] = fl;
    return cvt[0];
  }
  if (isUnsupported(a)) return NaN;
  const exc = FX.exc, up = FX.up;
  toNarrow(a, 53, 0);
  FX.exc = exc; FX.up = up;
  cvtU[1] = NARROW.hi; cvtU[0] = NARROW.lo;
  return cvt[0];
}

/** r = the double d, exactly. */
export function fromDouble(r: Ext, d: number): void {
  cvt[0] = d;
  const exc = FX.exc;
  fromF64(r, cvtU[0], cvtU[1]);
  FX.exc = exc;
}

/** Splits finite a into a double hi part and the exact remainder (a = hi + lo when in double range). */
export const SPLIT = { hi: 0, lo: 0 };
export function split(a: Ext): void {
  unpack(a);
  const k = nE - BIAS;
  const sg = a.s !== 0 ? -1 : 1;
  // the top 53 bits and the low 11 bits of the significand, both exact
  const hi = nH * pow2c(k - 31) + (nL - (nL & 0x7ff)) * pow2c(k - 63);
  const lo = (nL & 0x7ff) * pow2c(k - 63);
  SPLIT.hi = sg * hi; SPLIT.lo = sg * lo;
}
function pow2c(k: number): number { return k < -1200 ? 0 : k > 1199 ? Infinity : POW2[k + 1200]; }

/** a * 2^-k as a double (exponent moved first, so values outside double range can be used). */
export function scaledDouble(a: Ext, k: number): number {
  unpack(a);
  const e = nE - BIAS - k;
  const v = nH * pow2c(e - 31) + nL * pow2c(e - 63);
  return a.s !== 0 ? -v : v;
}
/** r = a with its significand normalized and the exponent set to 0 (a in [1, 2)); returns a's exponent. */
export function normalizeTo1(r: Ext, a: Ext): number {
  unpack(a);
  set(r, a.s, BIAS, nH, nL);
  return nE - BIAS;
}

/**
 * A value a hair below (dir -1) or above (dir +1) finite nonzero a in
 * magnitude, rounded to 64 bits under rc: sin x, tan x, cos x for tiny x.
 */
export function nudge(r: Ext, a: Ext, dir: number, rc: number): void {
  unpack(a);
  let e = nE;
  if (dir > 0) { w2 = nH; w1 = nL; w0 = 1; } else if (nH === 0x80000000 && nL === 0) {
    w2 = 0xffffffff; w1 = 0xffffffff; w0 = 0xffffffff; e--;
  } else {
    w1 = (nL - 1) >>> 0; w2 = nL === 0 ? nH - 1 : nH; w0 = 0xffffffff;
  }
  roundPack(r, a.s, e, 64, rc);
}

/** Unbiased exponent of finite nonzero a (denormals normalized). */
export function exponentOf(a: Ext): number {
  unpack(a);
  return nE - BIAS;
}

// ---- compare ----

/** Compares a with b: 0 a > b, 1 a < b, 2 equal, 3 unordered; IE for NaNs (only SNaNs when quiet). */
export function compare(a: Ext, b: Ext, quiet: boolean): number {
  if (isUnsupported(a) || isUnsupported(b)) { FX.exc |= IE; return 3; }
  const na = isNaN80(a), nb = isNaN80(b);
  if (na || nb) {
    if (!quiet || (na && (a.h & 0x40000000) === 0) || (nb && (b.h & 0x40000000) === 0)) FX.exc |= IE;
    return 3;
  }
  denormal2(a, b);
  const az = isZero(a), bz = isZero(b);
  if (az && bz) return 2;
  if (az) return b.s !== 0 ? 0 : 1;
  if (bz) return a.s !== 0 ? 1 : 0;
  if (a.s !== b.s) return a.s !== 0 ? 1 : 0;
  const ea = a.e === 0 ? 1 : a.e, eb = b.e === 0 ? 1 : b.e;
  let c: number;
  if (ea !== eb) c = ea > eb ? 1 : -1;
  else if (a.h !== b.h) c = a.h > b.h ? 1 : -1;
  else if (a.l !== b.l) c = a.l > b.l ? 1 : -1;
  else return 2;
  if (a.s !== 0) c = -c;
  return c > 0 ? 0 : 1;
}

// ---- fprem / fprem1 ----

/**
 * Partial remainder of a by b (fprem, or fprem1 when nearest): exact. Sets
 * FX.q to the low three quotient bits (-1: none, a NaN or invalid result)
 * and FX.partial when the exponent difference D was 64 or more: then only
 * part of the reduction is done, by 32 + D mod 32 bits (as the reference
 * processor does; the SDM leaves it to the implementation).
 */
export function rem(r: Ext, a: Ext, b: Ext, nearest: boolean): void {
  FX.q = -1; FX.partial = false; FX.up = 0;
  if (nan2(r, a, b)) return;
  if (a.e === 0x7fff || isZero(b)) { FX.exc |= IE; indefinite(r); return; }
  FX.q = 0;
  denormal2(a, b);
  if (b.e === 0x7fff || isZero(a)) {
    copy(r, a);
    if (a.e === 0 && (a.h & 0x80000000) !== 0) r.e = 1; // a pseudo-denormal comes out normalized (reference processor)
    return;
  }
  unpack(a);
  const ea = nE, ah = nH, al = nL;
  unpack(b);
  const eb = nE, bh = nH, bl = nL;
  const D = ea - eb;
  if (D < 0) {
    if (nearest && D === -1 && (ah > bh || (ah === bh && al > bl))) {
      // |a| in (|b|/2, |b|): the quotient rounds to 1; |r| = |b| - |a| = (2B - A) at a's scale, below 2^64
      FX.q = 1;
      const b2h = ((bh << 1) | (bl >>> 31)) >>> 0, b2l = (bl << 1) >>> 0;
      let t0 = b2l - al, br = 0;
      if (t0 < 0) { t0 += TWO32; br = 1; }
      let t1 = b2h - ah - br;
      if (t1 < 0) t1 += TWO32;
      w2 = t1; w1 = t0; w0 = 0;
      packExact(r, a.s ^ 1, ea);
      return;
    }
    w2 = ah; w1 = al; w0 = 0;
    roundPack(r, a.s, ea, 64, 0);
    return;
  }
  let k = D, scaleE = eb;
  if (D >= 64) {
    FX.partial = true;
    k = 32 + (D & 31);
    scaleE = eb + D - k;
  }
  // q = floor(A * 2^k / B), R = A * 2^k - q * B  (restoring division, k+1 steps)
  let r2 = 0, r1 = ah, r0 = al;
  let q1 = 0, q0 = 0;
  for (let j = 0; j <= k; j++) {
    q1 = ((q1 << 1) | (q0 >>> 31)) >>> 0;
    q0 = (q0 << 1) >>> 0;
    if (r2 !== 0 || r1 > bh || (r1 === bh && r0 >= bl)) {
      let t = r0 - bl, br = 0;
      if (t < 0) { t += TWO32; br = 1; }
      r0 = t;
      t = r1 - bh - br;
      if (t < 0) { t += TWO32; r2 = 0; }
      r1 = t;
      q0 = (q0 | 1) >>> 0;
    }
    if (j < k) {
      r2 = r1 >>> 31;
      r1 = ((r1 << 1) | (r0 >>> 31)) >>> 0;
      r0 = (r0 << 1) >>> 0;
    }
  }
  let sign = a.s;
  if (nearest && !FX.partial) {
    // round the quotient to nearest even: compare 2R with B
    const rr2 = r1 >>> 31, rr1 = ((r1 << 1) | (r0 >>> 31)) >>> 0, rr0 = (r0 << 1) >>> 0;
    const cmp = rr2 !== 0 ? 1 : rr1 !== bh ? (rr1 > bh ? 1 : -1) : rr0 !== bl ? (rr0 > bl ? 1 : -1) : 0;
    if (cmp > 0 || (cmp === 0 && (q0 & 1) !== 0)) {
      q0 = (q0 + 1) >>> 0;
      let t = bl - r0, br = 0;
      if (t < 0) { t += TWO32; br = 1; }
      r0 = t;
      r1 = (bh - r1 - br) >>> 0;
      sign ^= 1;
    }
  }
  FX.q = q0 & 7;
  w2 = r1; w1 = r0; w0 = 0;
  if (r1 === 0 && r0 === 0) { setZero(r, a.s); return; }
  packExact(r, sign, scaleE);
}

// ---- fscale / fxtract ----

/** r = a * 2^trunc(b). */
export function scale(r: Ext, a: Ext, b: Ext, rc: number): void {
  FX.up = 0;
  if (nan2(r, a, b)) return;
  denormal2(a, b);
  const az = isZero(a), ai = a.e === 0x7fff;
  if (b.e === 0x7fff) {
    if (b.s === 0) {
      if (az) { FX.exc |= IE; indefinite(r); return; }
      if (ai) { copy(r, a); return; }
      setInf(r, a.s); return;
    }
    if (ai) { FX.exc |= IE; indefinite(r); return; }
    setZero(r, a.s); return;
  }
  if (az || ai) { copy(r, a); return; }
  // n = trunc(b), clamped far outside the exponent range
  let n = 0;
  if (!isZero(b)) {
    const E = b.e - BIAS;
    if (E >= 30) n = 1 << 30;
    else if (E >= 0) n = b.h >>> (31 - E);
    if (b.s !== 0) n = -n;
  }
  unpack(a);
  w2 = nH; w1 = nL; w0 = 0;
  roundPack(r, a.s, nE + n, 64, rc);
}

/** fxtract: exponent of a into ex (as a value), significand (exponent 0) into sig. */
export function extract(ex: Ext, sig: Ext, a: Ext): void {
  FX.up = 0;
  if (nan1(sig, a)) { copy(ex, sig); return; }
  if (isZero(a)) { FX.exc |= ZE; setInf(ex, 1); copy(sig, a); return; }
  if (a.e === 0x7fff) { setInf(ex, 0); copy(sig, a); return; }
  if (isDenormal(a)) FX.exc |= DE;
  unpack(a);
  const E = nE - BIAS;
  set(sig, a.s, BIAS, nH, nL);
  fromInt(ex, E, E < 0 ? -1 : 0);
}
