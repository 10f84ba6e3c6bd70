/**
 * The JSON Schema validator of the HTTP layer (Ajv with formats), shared by Fastify's route validation and by
 * routes that validate payloads nested inside a body (a signed attestation batch).
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export property.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Bodies are never coerced (coerceTypes false); query strings are. */
export function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  addFormats(ajv);
  return ajv;
}
