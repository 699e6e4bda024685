/**
 * Loads every instruction family; each registers its builders on import.
 * A new family module is added here.
 */
import './alu.js';
import './move.js';
import './exchange.js';
import './shift.js';
import './bits.js';
import './muldiv.js';
import './string.js';
import './stack.js';
import './control.js';
import './misc.js';
import './sse-move.js';
import './sse-int.js';
import './sse-arith.js';
import './sse-cmp.js';
import './sse-cvt.js';
import './sse-logic.js';
import './x87.js';
import './sse-shuf.js';
