/** What the host CPU decodes differently from the baseline x86-64 the engine models. */
import { readFileSync } from 'node:fs';

let flags: Set<string> | null = null;

export function hostCpuFlags(): Set<string> {
  if (flags) return flags;
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    text = '';
  }
  const line = text.split('\n').find((l) => l.startsWith('flags'));
  flags = new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  return flags;
}

/** f3 0f bc decodes as tzcnt on BMI1 hosts, as (rep) bsf on a baseline CPU. */
export function hostHasTzcnt(): boolean { return hostCpuFlags().has('bmi1'); }
/** f3 0f bd decodes as lzcnt on LZCNT (AMD: abm) hosts, as (rep) bsr on a baseline CPU. */
export function hostHasLzcnt(): boolean { return hostCpuFlags().has('abm') || hostCpuFlags().has('lzcnt'); }
