import type { Context } from 'koa';

/** Distinct query strings remembered per route; past it the memo starts over (it is only a shortcut). */
const MAX_QUERIES = 1024;

/** A request's query as Koa parses it. */
type Query = Context['query'];

/**
 * A route's validated query parameters, by the exact query string. Pollers ask with the same
 * query string again and again (the cursor only moves when a message is published), and
 * Koa parses each request's query from scratch (URLSearchParams), which the profile showed as
 * a large part of a poll. `parse` is a pure function of the query (it may throw for a bad
 * one, and then nothing is remembered), so a remembered result is what parsing again gives.
 * The values must be immutable: one object answers every request with that query string.
 */
export class QueryMemo<T> {
  readonly #parse: (query: Query) => T;
  readonly #parsed = new Map<string, T>();

  constructor(parse: (query: Query) => T) {
    this.#parse = parse;
  }

  /**
   * The parameters remembered for `querystring` (as Koa's `ctx.querystring` would be), or
   * undefined: the fast path serves only queries Koa has already parsed and validated, and
   * hands any other to Koa, which parses it (refusing a bad one) and remembers it.
   */
  peek(querystring: string): T | undefined {
    return this.#parsed.get(querystring);
  }

  /** The parameters of `ctx`'s query, parsed (and validated) once per distinct query string. */
  get(ctx: Context): T {
    const key = ctx.querystring;
    let value = this.#parsed.get(key);
    if (value === undefined) {
      value = this.#parse(ctx.query);
      if (this.#parsed.size >= MAX_QUERIES) this.#parsed.clear();
      this.#parsed.set(key, value);
    }
    return value;
  }
}
