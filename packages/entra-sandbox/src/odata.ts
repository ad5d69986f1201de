// The slice of OData query syntax Graph clients use on these collections: `$filter` with `eq`, `in (...)`
// and `startswith(...)` joined by `and` / `or` (string literals with '' escaping), `$select`, `$top`, and
// server-driven paging through an opaque, tamper-evident `$skiptoken`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GraphError } from './http';

export type Literal = string | number | boolean | null;

export type FilterNode =
  | { kind: 'eq'; field: string; value: Literal }
  | { kind: 'startswith'; field: string; value: string }
  | { kind: 'in'; field: string; values: Literal[] }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode };

type Token =
  | { type: 'word'; text: string }
  | { type: 'string'; text: string }
  | { type: 'number'; value: number }
  | { type: 'punct'; text: '(' | ')' | ',' };

/** Raised for any filter the sandbox cannot read; callers turn it into their resource's 400. */
export class FilterSyntaxError extends Error {}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < input.length) {
    const char = input[index]!;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === '(' || char === ')' || char === ',') {
      tokens.push({ type: 'punct', text: char });
      index += 1;
    } else if (char === "'") {
      // OData doubles a quote inside a string literal: 'O''Brien' is O'Brien.
      let text = '';
      index += 1;
      for (;;) {
        if (index >= input.length) throw new FilterSyntaxError('a string literal is not closed');
        if (input[index] === "'") {
          if (input[index + 1] === "'") {
            text += "'";
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        text += input[index];
        index += 1;
      }
      tokens.push({ type: 'string', text });
    } else if (/[-\d]/.test(char)) {
      const match = /^-?\d+(\.\d+)?/.exec(input.slice(index));
      if (!match) throw new FilterSyntaxError(`unexpected '${char}'`);
      tokens.push({ type: 'number', value: Number(match[0]) });
      index += match[0].length;
    } else if (/[A-Za-z_$@]/.test(char)) {
      const match = /^[A-Za-z_$@][\w/.@]*/.exec(input.slice(index))!;
      tokens.push({ type: 'word', text: match[0] });
      index += match[0].length;
    } else {
      throw new FilterSyntaxError(`unexpected '${char}'`);
    }
  }
  return tokens;
}

/** Parses a `$filter` expression; `and` binds tighter than `or`, parentheses group. */
export function parseFilter(input: string): FilterNode {
  const tokens = tokenize(input);
  let position = 0;
  const peek = () => tokens[position];
  const isWord = (token: Token | undefined, word: string) => token?.type === 'word' && token.text.toLowerCase() === word;
  const expectPunct = (text: string) => {
    const token = tokens[position];
    if (token?.type !== 'punct' || token.text !== text) throw new FilterSyntaxError(`expected '${text}'`);
    position += 1;
  };
  const literal = (): Literal => {
    const token = tokens[position];
    position += 1;
    if (token?.type === 'string') return token.text;
    if (token?.type === 'number') return token.value;
    if (isWord(token, 'null')) return null;
    if (isWord(token, 'true')) return true;
    if (isWord(token, 'false')) return false;
    throw new FilterSyntaxError('expected a literal value');
  };
  const primary = (): FilterNode => {
    const token = peek();
    if (token?.type === 'punct' && token.text === '(') {
      position += 1;
      const inner = orExpression();
      expectPunct(')');
      return inner;
    }
    if (token?.type !== 'word') throw new FilterSyntaxError('expected a property name or a function');
    position += 1;
    if (token.text.toLowerCase() === 'startswith' && peek()?.type === 'punct') {
      expectPunct('(');
      const field = tokens[position];
      if (field?.type !== 'word') throw new FilterSyntaxError('startswith needs a property name');
      position += 1;
      expectPunct(',');
      const value = literal();
      if (typeof value !== 'string') throw new FilterSyntaxError('startswith compares with a string literal');
      expectPunct(')');
      return { kind: 'startswith', field: field.text, value };
    }
    const operator = tokens[position];
    if (isWord(operator, 'in')) {
      position += 1;
      expectPunct('(');
      const values = [literal()];
      while (peek()?.type === 'punct' && (peek() as { text: string }).text === ',') {
        position += 1;
        values.push(literal());
      }
      expectPunct(')');
      return { kind: 'in', field: token.text, values };
    }
    if (!isWord(operator, 'eq')) {
      const name = operator?.type === 'word' ? operator.text : 'nothing';
      throw new FilterSyntaxError(`operator '${name}' is not supported; use eq or in`);
    }
    position += 1;
    return { kind: 'eq', field: token.text, value: literal() };
  };
  const andExpression = (): FilterNode => {
    let node = primary();
    while (isWord(peek(), 'and')) {
      position += 1;
      node = { kind: 'and', left: node, right: primary() };
    }
    return node;
  };
  const orExpression = (): FilterNode => {
    let node = andExpression();
    while (isWord(peek(), 'or')) {
      position += 1;
      node = { kind: 'or', left: node, right: andExpression() };
    }
    return node;
  };
  if (tokens.length === 0) throw new FilterSyntaxError('the filter is empty');
  const tree = orExpression();
  if (position !== tokens.length) throw new FilterSyntaxError('unexpected text after the expression');
  return tree;
}

/** What a collection allows in `$filter`: its fields with their literal type, and the operators. */
export interface FilterRules {
  fields: Record<string, 'string' | 'number'>;
  startswith: boolean;
  or: boolean;
  /** The most values one `in (...)` may hold; absent: `in` is not supported. */
  inValues?: number;
}

/** Checks a parsed filter against a collection's rules; returns the first problem, or null. */
export function filterProblem(node: FilterNode, rules: FilterRules): string | null {
  switch (node.kind) {
    case 'and':
      return filterProblem(node.left, rules) ?? filterProblem(node.right, rules);
    case 'or':
      if (!rules.or) return "'or' is not supported on this collection";
      return filterProblem(node.left, rules) ?? filterProblem(node.right, rules);
    case 'in':
      if (rules.inValues === undefined) return "'in' is not supported on this collection";
      if (node.values.length > rules.inValues) {
        return `Too many child clauses specified in search filter expression containing 'OR' operators: ${node.values.length}. Max allowed: ${rules.inValues}.`;
      }
      for (const value of node.values) {
        const problem = filterProblem({ kind: 'eq', field: node.field, value }, rules);
        if (problem) return problem;
      }
      return null;
    case 'startswith':
    case 'eq': {
      const type = Object.entries(rules.fields).find(([name]) => name.toLowerCase() === node.field.toLowerCase())?.[1];
      if (!type) return `property '${node.field}' cannot be filtered on`;
      if (node.kind === 'startswith') return rules.startswith && type === 'string' ? null : `startswith is not supported on '${node.field}'`;
      if (node.value !== null && typeof node.value !== type) return `'${node.field}' must be compared with a ${type} literal`;
      return null;
    }
  }
}

/** Evaluates a filter; `read` returns a field's value on one item. String comparisons ignore case, as directory queries do. */
export function matchesFilter(node: FilterNode, read: (field: string) => Literal | undefined): boolean {
  switch (node.kind) {
    case 'and':
      return matchesFilter(node.left, read) && matchesFilter(node.right, read);
    case 'or':
      return matchesFilter(node.left, read) || matchesFilter(node.right, read);
    case 'eq': {
      const value = read(node.field) ?? null;
      if (typeof value === 'string' && typeof node.value === 'string') return value.toLowerCase() === node.value.toLowerCase();
      return value === node.value;
    }
    case 'in':
      return node.values.some((value) => matchesFilter({ kind: 'eq', field: node.field, value }, read));
    case 'startswith': {
      const value = read(node.field);
      return typeof value === 'string' && value.toLowerCase().startsWith(node.value.toLowerCase());
    }
  }
}

/** Parses `$select` against the properties a resource has; `id` is always returned. */
export function parseSelect(raw: string | null, properties: readonly string[], typeName: string): string[] | null {
  if (raw === null) return null;
  const wanted = raw.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  const selected: string[] = [];
  for (const name of wanted) {
    const property = properties.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (!property) throw new GraphError(400, 'BadRequest', `Could not find a property named '${name}' on type '${typeName}'.`);
    if (!selected.includes(property)) selected.push(property);
  }
  if (!selected.includes('id')) selected.unshift('id');
  return selected;
}

export function applySelect(item: Record<string, unknown>, select: string[] | null): Record<string, unknown> {
  if (!select) return item;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(item)) if (key.startsWith('@odata.')) out[key] = item[key];
  for (const name of select) out[name] = item[name] ?? null;
  return out;
}

export const MAX_TOP = 999;

export function parseTop(raw: string | null): number | null {
  if (raw === null) return null;
  const top = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
    throw new GraphError(400, 'BadRequest', `Invalid page size specified: '${raw}'. Must be between 1 and ${MAX_TOP} inclusive.`);
  }
  return top;
}

/** The state a next page resumes from, carried inside `$skiptoken`. */
export interface PageCursor {
  /** Which collection (and for per-user collections, whose) the token belongs to. */
  collection: string;
  /** Items with a sequence number ≤ this were on earlier pages. */
  after: number;
  filter: string | null;
  select: string | null;
  top: number | null;
}

/**
 * Opaque skip tokens: the cursor as base64url JSON with an HMAC, so a client cannot forge or edit one
 * and must follow `@odata.nextLink` as given.
 */
export class SkipTokens {
  constructor(private readonly key: Buffer) {}

  encode(cursor: PageCursor): string {
    const body = Buffer.from(JSON.stringify([cursor.collection, cursor.after, cursor.filter, cursor.select, cursor.top])).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  decode(token: string, collection: string): PageCursor {
    const invalid = () => new GraphError(400, 'BadRequest', 'The $skiptoken is not valid for this request. Follow @odata.nextLink exactly as returned.');
    const [body, mac] = token.split('.');
    if (!body || !mac) throw invalid();
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    const [storedCollection, after, filter, select, top] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [string, number, string | null, string | null, number | null];
    if (storedCollection !== collection) throw invalid();
    return { collection: storedCollection, after, filter, select, top };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22);
  }
}

/** The query options a collection GET understands; anything else starting with `$` is refused. */
export function rejectUnsupportedOptions(params: URLSearchParams, supported: readonly string[]): void {
  for (const name of params.keys()) {
    if (name.startsWith('$') && !supported.includes(name.toLowerCase())) {
      throw new GraphError(400, 'BadRequest', `Query option '${name}' is not supported on this resource.`);
    }
  }
}

/** One page of a sequence-ordered collection, and whether more follow. */
export function takePage<T extends { sequence: number }>(items: Iterable<T>, after: number, size: number, keep: (item: T) => boolean): { page: T[]; more: boolean } {
  const page: T[] = [];
  for (const item of items) {
    if (item.sequence <= after || !keep(item)) continue;
    if (page.length === size) return { page, more: true };
    page.push(item);
  }
  return { page, more: false };
}
