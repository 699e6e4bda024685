/**
 * A small XML well-formedness check for the SVG tests (no parser dependency):
 * one root element, every tag closed in order, attributes quoted and unique,
 * and no bare '<' or '&' in text or attribute values.
 */
import { expect } from 'chai';

const NAME = '[A-Za-z_][\\w.:-]*';
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function checkText(s: string, where: string): void {
  const bare = s.replace(ENTITY, '');
  expect(bare.includes('&'), `bare & in ${where}: ${s.slice(0, 80)}`).to.equal(false);
  expect(bare.includes('<'), `bare < in ${where}`).to.equal(false);
}

export function checkWellFormed(xml: string): void {
  let s = xml;
  const decl = /^<\?xml[^?]*\?>\s*/.exec(s);
  if (decl !== null) s = s.slice(decl[0].length);
  const stack: string[] = [];
  let roots = 0;
  const tag = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"]*")*)\\s*(/?)>`);
  const attr = new RegExp(`(${NAME})\\s*=\\s*"([^"]*)"`, 'g');
  while (s.length > 0) {
    const lt = s.indexOf('<');
    const text = lt < 0 ? s : s.slice(0, lt);
    if (stack.length === 0) expect(text.trim(), 'text outside the root element').to.equal('');
    checkText(text, 'text');
    if (lt < 0) break;
    s = s.slice(lt);
    const m = tag.exec(s);
    expect(m, `malformed tag at: ${s.slice(0, 60)}`).to.not.equal(null);
    const [whole, close, name, attrs, selfClose] = m!;
    if (close === '/') {
      expect(attrs, `attributes on closing tag ${name}`).to.equal('');
      expect(stack.pop(), `closing </${name}>`).to.equal(name);
    } else {
      const seen = new Set<string>();
      for (const a of attrs.matchAll(attr)) {
        expect(seen.has(a[1]), `duplicate attribute ${a[1]} on <${name}>`).to.equal(false);
        seen.add(a[1]);
        checkText(a[2], `attribute ${a[1]}`);
      }
      if (stack.length === 0) roots++;
      if (selfClose !== '/') stack.push(name);
    }
    s = s.slice(whole.length);
  }
  expect(stack, 'unclosed elements').to.deep.equal([]);
  expect(roots, 'root elements').to.equal(1);
}
