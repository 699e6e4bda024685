/** Every case family, in report order. */
import { Family } from '../model.js';
import { branchFamily } from './branch.js';
import { faultFamily } from './faults.js';
import { integerFamilies } from './integer.js';
import { sseFamilies } from './sse.js';
import { stringFamily } from './strings.js';
import { x87Family } from './x87.js';

let cached: Family[] | null = null;

export function allFamilies(): Family[] {
  cached ??= [...integerFamilies(), stringFamily(), branchFamily(), faultFamily(), ...sseFamilies(), x87Family()];
  return cached;
}
