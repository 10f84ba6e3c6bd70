/**
 * The shape every core function returns: either a value or a typed error code, so that the type of a function
 * lists the codes it can fail with.
 *
 * @example
 * const r = parseMykeyId('7K3M9QXA');
 * if (!r.ok) return r; // r.code is 'mykey_id_invalid'
 */
export type Result<T, C extends string> = { ok: true; value: T } | Failure<C>;

export interface Failure<C extends string> {
  ok: false;
  code: C;
  /** Human-readable detail for logs and the error body; never contract, never secret. */
  message: string;
  /** The input field the failure is about, when there is one. */
  param?: string;
}

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<C extends string>(code: C, message: string, param?: string): Failure<C> {
  return param === undefined ? { ok: false, code, message } : { ok: false, code, message, param };
}
