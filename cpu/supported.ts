/** The iced-x86 Code values the engine implements (mnemonic census, SIGILL diagnostics). */
import './ops/index.js';
import { registeredCodes } from './registry.js';

let cached: ReadonlySet<number> | null = null;

export function supportedCodes(): ReadonlySet<number> {
  cached ??= registeredCodes();
  return cached;
}
