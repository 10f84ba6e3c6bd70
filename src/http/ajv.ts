/**
 * The Ajv instances of the API: bodies are never type-coerced (a JSON `"100"` is not the integer 100); query
 * strings, which are all text, are. Formats (date-time, …) are checked.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export property.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** An Ajv with the API's options; `coerceTypes` only for query strings and path parameters. */
export function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  addFormats(ajv);
  return ajv;
}
