/**
 * A strict little XML parser for tests: enough of XML 1.0 to check that the JUnit report is well formed
 * (one root, balanced tags, quoted attributes, known entities) and to read it back as a tree.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;

function decode(text: string, at: number): string {
  return text.replace(/&([^;]*);/g, (_m, e: string) => {
    const map: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (e in map) return map[e]!;
    if (/^#\d+$/.test(e)) return String.fromCodePoint(Number(e.slice(1)));
    if (/^#x[0-9a-f]+$/i.test(e)) return String.fromCodePoint(parseInt(e.slice(2), 16));
    throw new Error(`unknown entity &${e}; near ${at}`);
  });
}

/** Parses a whole document; throws on anything malformed. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`malformed XML at ${i}: ${why}: ${JSON.stringify(doc.slice(i, i + 40))}`);
  };
  const skipSpace = () => {
    while (/\s/.test(doc[i] ?? '')) i++;
  };
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end < 0) fail('unterminated prolog');
    i = end + 2;
  }
  const element = (): XmlElement => {
    if (doc[i] !== '<') fail('expected <');
    i++;
    const name = NAME.exec(doc.slice(i))?.[0] ?? fail('expected a tag name');
    i += name.length;
    const el: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (doc.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (doc[i] === '>') {
        i++;
        break;
      }
      const attr = NAME.exec(doc.slice(i))?.[0] ?? fail('expected an attribute');
      i += attr.length;
      if (doc[i] !== '=' || doc[i + 1] !== '"') fail('attribute without a quoted value');
      const end = doc.indexOf('"', i + 2);
      if (end < 0) fail('unterminated attribute');
      const raw = doc.slice(i + 2, end);
      if (raw.includes('<')) fail('< in an attribute');
      if (attr in el.attributes) fail(`duplicate attribute ${attr}`);
      el.attributes[attr] = decode(raw, i);
      i = end + 1;
    }
    for (;;) {
      const lt = doc.indexOf('<', i);
      if (lt < 0) fail(`unclosed <${name}>`);
      el.text += decode(doc.slice(i, lt), i);
      i = lt;
      if (doc.startsWith('</', i)) {
        i += 2;
        if (!doc.startsWith(name, i)) fail(`expected </${name}>`);
        i += name.length;
        skipSpace();
        if (doc[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      el.children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== doc.length) fail('content after the root element');
  return root;
}
