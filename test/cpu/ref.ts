/**
 * Reference semantics for CPU tests, written independently of the engine:
 * plain bigint arithmetic from the Intel SDM's definitions.
 */
export const CF = 1, PF = 4, AF = 16, ZF = 64, SF = 128, OF = 2048;

export const mask = (bits: number) => (1n << BigInt(bits)) - 1n;
export const sign = (v: bigint, bits: number) => (v >> BigInt(bits - 1)) & 1n;
export const toSigned = (v: bigint, bits: number) => BigInt.asIntN(bits, v);

function parity(v: bigint): number {
  let p = 1;
  for (let b = Number(v & 0xffn); b !== 0; b >>= 1) p ^= b & 1;
  return p ? PF : 0;
}
/** ZF SF PF of a result. */
export function szp(r: bigint, bits: number): number {
  return (r === 0n ? ZF : 0) | (sign(r, bits) ? SF : 0) | parity(r);
}

export interface Result { r: bigint; flags: number; }

export function add(a: bigint, b: bigint, cin: number, bits: number): Result {
  const m = mask(bits);
  a &= m; b &= m;
  const full = a + b + BigInt(cin);
  const r = full & m;
  let f = szp(r, bits) | (full > m ? CF : 0) | (((a ^ b ^ r) & 16n) ? AF : 0);
  if (sign(a, bits) === sign(b, bits) && sign(r, bits) !== sign(a, bits)) f |= OF;
  return { r, flags: f };
}
export function sub(a: bigint, b: bigint, cin: number, bits: number): Result {
  const m = mask(bits);
  a &= m; b &= m;
  const r = (a - b - BigInt(cin)) & m;
  let f = szp(r, bits) | (a < b + BigInt(cin) ? CF : 0) | (((a ^ b ^ r) & 16n) ? AF : 0);
  if (sign(a, bits) !== sign(b, bits) && sign(r, bits) !== sign(a, bits)) f |= OF;
  return { r, flags: f };
}
export function logic(op: 'and' | 'or' | 'xor', a: bigint, b: bigint, bits: number): Result {
  const m = mask(bits);
  const r = (op === 'and' ? a & b : op === 'or' ? a | b : a ^ b) & m;
  return { r, flags: szp(r, bits) };
}

/** Values worth testing at a width: zero, one, all ones, sign boundaries, and some patterns. */
export function edges(bits: number): bigint[] {
  const m = mask(bits);
  const s = 1n << BigInt(bits - 1);
  const out = [0n, 1n, 2n, m, m - 1n, s, s - 1n, s + 1n, 0x5an & m, (0xdeadbeefcafef00dn) & m, (0x0123456789abcdefn) & m, 0x0fn, 0x10n & m];
  return [...new Set(out)];
}

/** Deterministic pseudo-random 64-bit values (xorshift). */
export function randoms(n: number, seed = 0x9e3779b97f4a7c15n): bigint[] {
  let x = seed;
  const out: bigint[] = [];
  for (let k = 0; k < n; k++) {
    x ^= (x << 13n) & mask(64); x ^= x >> 7n; x ^= (x << 17n) & mask(64);
    out.push(x & mask(64));
  }
  return out;
}
