/**
 * The event schema of the batch API (`ProviderEventSchema`), as event files need it: the CSV columns, derived from
 * the schema's properties (so a field added to the schema is a column at once), and the strict check of one line's
 * value with the same Ajv options as request bodies (no coercion).
 */
import type { EventSchemaCheck } from '../app/event-files.js';
import type { EventFieldSpec } from '../domain/event-file-lines.js';
import { fail, ok } from '../domain/result.js';
import { makeAjv } from './ajv.js';
import { ProviderEventSchema, type ProviderEventInput } from './schemas.js';

const required = new Set<string>(ProviderEventSchema.required ?? []);

/** The fields of an event in the schema's order: the columns a CSV event file may have. */
export const eventFields: readonly EventFieldSpec[] = Object.entries(ProviderEventSchema.properties).map(([name, schema]) => ({
  name,
  integer: (schema as { type?: unknown }).type === 'integer',
  required: required.has(name),
}));

const ajv = makeAjv(false);
const validateEvent = ajv.compile<ProviderEventInput>(ProviderEventSchema);

export const eventSchemaCheck: EventSchemaCheck = {
  fields: eventFields,
  check(value) {
    if (validateEvent(value)) return ok(value);
    const error = validateEvent.errors?.[0];
    const where = error === undefined || error.instancePath === '' ? 'the event' : error.instancePath.slice(1);
    return fail('file_line_invalid', `${where} ${error?.message ?? 'does not match the event schema'}`);
  },
};
