// PHP's serialize() format, written: what TOTPRadius clients written in PHP read back with unserialize()
// (format 0 of the validation API). Strings carry their length in UTF-8 bytes, not characters; a list
// becomes an array with integer keys, an object an array with string keys, as PHP itself writes them.
export type PhpValue = string | number | boolean | null | readonly PhpValue[] | { readonly [key: string]: PhpValue };

export function phpSerialize(value: PhpValue): string {
  if (value === null) return 'N;';
  if (typeof value === 'boolean') return `b:${value ? 1 : 0};`;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return `i:${value};`;
    if (Number.isNaN(value)) return 'd:NAN;';
    if (!Number.isFinite(value)) return value > 0 ? 'd:INF;' : 'd:-INF;';
    return `d:${value};`;
  }
  if (typeof value === 'string') return `s:${Buffer.byteLength(value, 'utf8')}:"${value}";`;
  const entries: [string | number, PhpValue][] = Array.isArray(value)
    ? (value as readonly PhpValue[]).map((item, index) => [index, item])
    : Object.entries(value as { readonly [key: string]: PhpValue });
  const body = entries.map(([key, item]) => phpSerializeKey(key) + phpSerialize(item)).join('');
  return `a:${entries.length}:{${body}}`;
}

/** PHP turns a key that is a canonical decimal integer ("7", not "07") into an integer key. */
function phpSerializeKey(key: string | number): string {
  if (typeof key === 'number') return `i:${key};`;
  if (/^(0|-?[1-9]\d{0,17})$/.test(key)) return `i:${key};`;
  return phpSerialize(key);
}
