// A small XML document writer for format 2 of the validation API: one root element and one child element
// per field, its text escaped. Field names are ours; they are checked, so a mistake cannot produce a
// document that does not parse.
export type XmlFields = Readonly<Record<string, string | number | boolean | null>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function escapeXmlText(text: string): string {
  return (
    text
      // Characters XML 1.0 does not allow at all (even escaped) are dropped.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function checkName(name: string): string {
  if (!NAME.test(name) || /^xml/i.test(name)) throw new Error(`"${name}" cannot be an XML element name`);
  return name;
}

/** `<?xml …?><root><field>value</field>…</root>`; a null field is an empty element. */
export function xmlDocument(rootName: string, fields: XmlFields): string {
  const children = Object.entries(fields)
    .map(([name, value]) => (value === null ? `<${checkName(name)}/>` : `<${checkName(name)}>${escapeXmlText(String(value))}</${name}>`))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${checkName(rootName)}>${children}</${rootName}>\n`;
}
