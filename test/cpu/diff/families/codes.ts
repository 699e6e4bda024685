/** Selecting iced Codes for a family: by mnemonic, legacy encoding, valid in 64-bit mode. */
import { CodeExt, EncodingKind, Mnemonic, OpCodeOperandKind as K, allCodes, codeName } from '../iced.js';
import { GenericForm, Profile, variantsOf } from '../builder.js';
import { Form } from '../model.js';

const MMX_KINDS = new Set<number>([K.mm_or_mem, K.mm_reg, K.mm_rm]);
const UNSUPPORTED_KINDS = new Set<number>([K.seg_reg, K.cr_reg, K.dr_reg, K.tr_reg, K.fs, K.gs, K.es, K.cs, K.ss, K.ds,
  K.br16_1, K.br16_2, K.bnd_reg, K.k_reg]);

export interface CodeFilter {
  /** Code names to leave out (aliases, encodings compilers never emit, forms with undefined results). */
  exclude?: readonly string[];
  /** Operand size in bits the form must have (e.g. to drop the 16-bit pushes). */
  keep?: (name: string) => boolean;
}

/** Codes of the given mnemonics, legacy-encoded and valid in 64-bit mode, without MMX or segment operands. */
export function codesFor(mnemonics: readonly string[], filter: CodeFilter = {}): number[] {
  const want = new Set<number>();
  for (const m of mnemonics) {
    const v = (Mnemonic as unknown as Record<string, number>)[m];
    if (typeof v !== 'number') throw new Error(`iced has no mnemonic ${m}`);
    want.add(v);
  }
  const exclude = new Set(filter.exclude ?? []);
  const out: number[] = [];
  for (const code of allCodes()) {
    const info = CodeExt.opCode(code);
    try {
      if (!want.has(info.mnemonic) || info.encoding !== EncodingKind.Legacy || !info.isAvailableInMode(64)) continue;
      if (info.addressSize === 16 || info.operandSize === 16 && /_16$|rel8_16|rel16/.test(codeName(code))) continue;
      const name = codeName(code);
      if (exclude.has(name) || (filter.keep && !filter.keep(name))) continue;
      let ok = true;
      for (let i = 0; i < info.opCount; i++) {
        const k = info.opKind(i);
        if (MMX_KINDS.has(k) || UNSUPPORTED_KINDS.has(k)) ok = false;
      }
      if (ok) out.push(code);
    } finally {
      info.free();
    }
  }
  return out;
}

/** One GenericForm per Code and operand variant (register / memory). */
export function genericForms(codes: readonly number[], profile: Profile): Form[] {
  const forms: Form[] = [];
  for (const code of codes) {
    const info = CodeExt.opCode(code);
    const variants = variantsOf(info);
    info.free();
    for (const v of variants) forms.push(new GenericForm(code, codeName(code), v, profile));
  }
  return forms;
}
