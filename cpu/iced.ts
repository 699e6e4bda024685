/**
 * iced-x86, loaded with require. The package is CommonJS (wasm-bindgen's
 * Node target): importing it from an ES module makes Node first lex its
 * 900 KB of JavaScript for named exports, which cost some 50 ms of every
 * process start (80 ms against 28 ms with require, measured on the Intel
 * Xeon VM of docs/benchmarks.md). Every user of iced in the project goes
 * through here.
 */
import { createRequire } from 'node:module';
import type * as Iced from 'iced-x86';

const iced = createRequire(import.meta.url)('iced-x86') as typeof Iced;
export default iced;
