/**
 * Copies of a method made from its compiled text, for hot paths shared by
 * many kinds of call (the gate: one path for every system call number).
 *
 * V8 keeps type feedback per function: in a path every number goes through,
 * the handler's call site sees dozens of targets and stays a generic call,
 * and the loads see every kind of result. A copy made from the method's text
 * is a new function with feedback of its own, so a copy used for one number
 * specialises to that number's calls (closures of one function literal would
 * share theirs). The copy sees only `this`, its parameters and the names of
 * `scope`: everything else the method's text names must be listed there.
 */
export function copyMethod<F extends (...args: never[]) => unknown>(method: F, name: string, scope: Readonly<Record<string, unknown>>): F {
  const text = method.toString();
  const params = text.indexOf('(');
  // A method's text starts with its name (`name(t) {`); a getter's, an arrow's, a native or bound function's, or an
  // instrumenting tool's rewrite would not, and must not be copied.
  if (params < 0 || !/^[\w$]+$/.test(text.slice(0, params).trim()) || text.includes('[native code]')) {
    throw new Error(`copyMethod: ${method.name} is not a plain method`);
  }
  const names = Object.keys(scope);
  // Strict, as the module code it comes from (new Function's body is sloppy otherwise).
  const make = new Function(...names, `'use strict'; return function ${name}${text.slice(params)};`) as (...v: unknown[]) => F;
  return make(...names.map((n) => scope[n]));
}
