// Building Graph URLs safely: path parameters (UPNs, ids) are percent-encoded into their segment, and
// values inside $filter are OData string literals with quotes doubled. The path TEMPLATE is kept, because
// it is what gets logged: it names the call without naming the user.

/** An OData string literal: 'o''brien' for o'brien. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `name eq <literal>`; numbers stay numbers, everything else becomes a string literal. */
export function odataEquals(property: string, value: string | number): string {
  return `${property} eq ${typeof value === 'number' ? String(value) : odataString(value)}`;
}

/** Fills `{name}` placeholders of a path template with percent-encoded values. */
export function renderPath(template: string, parameters: Readonly<Record<string, string>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    const value = parameters[name];
    if (value === undefined) throw new Error(`Path template ${template} needs a value for {${name}}`);
    if (value === '') throw new Error(`Path template ${template} got an empty value for {${name}}`);
    return encodeURIComponent(value);
  });
}

/** A query string with each value percent-encoded (the Graph client passes query strings through verbatim). */
export function queryString(parameters: Readonly<Record<string, string | number | undefined>>): string {
  const parts = Object.entries(parameters)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}
