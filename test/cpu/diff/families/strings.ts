/**
 * String instructions (movs, cmps, stos, lods, scas; byte to qword) without a
 * prefix and with rep / repe / repne, DF clear and set, short counts, and a few
 * cases that run off the end of the data area and fault part-way through.
 */
import { CaseBuilder } from '../builder.js';
import { CodeExt, codeName, decodeCode } from '../iced.js';
import { DATA_BASE, DATA_SIZE, INSN_END } from '../layout.js';
import { DiffCase, Family, Form } from '../model.js';
import { Rng } from '../rng.js';
import { DF } from '../state.js';
import { intValue } from '../values.js';

type Op = 'movs' | 'cmps' | 'stos' | 'lods' | 'scas';
type Prefix = '' | 'rep' | 'repe' | 'repne';

const OPCODE: Record<Op, number> = { movs: 0xa4, cmps: 0xa6, stos: 0xaa, lods: 0xac, scas: 0xae };
const COUNTS = [0, 1, 2, 3, 4, 5, 7, 8, 13, 16];

class StringForm implements Form {
  readonly id: string;
  readonly family = 'string';
  readonly code: number;
  readonly required = true;
  private readonly bytes: Uint8Array;

  constructor(private readonly op: Op, private readonly size: number, private readonly prefix: Prefix) {
    const b: number[] = [];
    if (prefix === 'rep' || prefix === 'repe') b.push(0xf3);
    if (prefix === 'repne') b.push(0xf2);
    if (size === 2) b.push(0x66);
    if (size === 8) b.push(0x48);
    b.push(OPCODE[op] + (size === 1 ? 0 : 1));
    this.bytes = Uint8Array.from(b);
    this.code = decodeCode(this.bytes);
    this.id = prefix ? `${codeName(this.code)} ${prefix}` : codeName(this.code);
  }

  make(rng: Rng, index: number): DiffCase {
    const info = CodeExt.opCode(this.code);
    try {
      const b = new CaseBuilder(rng, index, this, info);
      this.build(b);
      return b.finish();
    } finally {
      info.free();
    }
  }

  private build(b: CaseBuilder): void {
    const { rng } = b;
    const size = this.size;
    b.code = this.bytes;
    b.insnAddr = INSN_END - this.bytes.length;
    b.resumable = this.prefix !== '';
    const down = rng.chance(0.5);
    b.rflags = (b.rflags & ~DF) | (down ? DF : 0);
    const count = this.prefix ? (rng.chance(0.8) ? rng.pick(COUNTS) : rng.int(40)) : 1;
    if (this.prefix) b.gpr[1] = BigInt(count);
    const align = rng.chance(0.7) ? size : 1;
    const place = (): number => {
      let off = 0x1000 + rng.int(0x2000);
      off -= off % align;
      return DATA_BASE + off;
    };
    let rsi = place();
    let rdi = place();
    if (this.op === 'movs' && rng.chance(0.15)) rdi = rsi + rng.range(-3, 3) * size; // overlapping copy
    const runOff = this.prefix !== '' && rng.chance(0.06);
    if (runOff) {
      // Run past the end of guest memory (where the data area ends): a fault part-way through.
      b.gpr[1] = 64n;
      b.rflags &= ~DF;
      const edge = DATA_BASE + DATA_SIZE - 3 * size;
      if (this.op === 'lods' || (this.op !== 'stos' && this.op !== 'scas' && rng.chance(0.5))) rsi = edge;
      else rdi = edge;
    }
    b.gpr[6] = BigInt(rsi);
    b.gpr[7] = BigInt(rdi);
    if (this.op === 'stos' || this.op === 'scas') b.setGpr(0, intValue(rng, size * 8, b.edge), size);
    if (!runOff && (this.op === 'cmps' || this.op === 'scas')) this.arrangeMatches(b, count, rsi, rdi, down);
  }

  /** For repe/repne: make the elements compare equal (or unequal) up to a chosen index. */
  private arrangeMatches(b: CaseBuilder, count: number, rsi: number, rdi: number, down: boolean): void {
    const { rng } = b;
    const size = this.size;
    const n = Math.max(count, 1);
    const stop = rng.int(n + 1); // element where the run ends (n = never)
    const wantEqual = this.prefix !== 'repne';
    const elem = (base: number, j: number): number => base + (down ? -j : j) * size;
    const acc = b.getGpr(0, size);
    for (let j = 0; j < n; j++) {
      const equal = j === stop ? !wantEqual : wantEqual;
      const v = this.op === 'scas' ? acc : intValue(rng, size * 8, b.edge);
      const other = equal ? v : v ^ (1n << BigInt(rng.int(size * 8)));
      if (this.op === 'cmps') {
        b.writeMemInt(elem(rsi, j), v, size);
        b.writeMemInt(elem(rdi, j), other, size);
      } else b.writeMemInt(elem(rdi, j), other, size);
    }
  }
}

export function stringFamily(): Family {
  const forms: Form[] = [];
  for (const op of ['movs', 'cmps', 'stos', 'lods', 'scas'] as const) {
    for (const size of [1, 2, 4, 8]) {
      const prefixes: Prefix[] = op === 'cmps' || op === 'scas' ? ['', 'repe', 'repne'] : ['', 'rep'];
      for (const p of prefixes) forms.push(new StringForm(op, size, p));
    }
  }
  return { name: 'string', forms };
}
