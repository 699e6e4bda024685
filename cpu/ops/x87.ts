/**
 * The x87 family: exact 80-bit floating point (x87-float.ts) on the register
 * stack (x87-state.ts). Importing this module registers every form.
 */
import './x87-load.js';
import './x87-arith.js';
import './x87-trans.js';
import './x87-control.js';
