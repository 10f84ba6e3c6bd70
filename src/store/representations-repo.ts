/**
 * Representations: which person (a legal representative) acts for which (a minor or an adult ward). One row per
 * pair; a person may have several representatives. The rules live in src/domain/representation.ts.
 */
import type { Tx } from './db.js';

export async function findRepresentation(tx: Tx, representativePersonId: string, representedPersonId: string): Promise<{ createdAtMs: number } | undefined> {
  return tx.db
    .selectFrom('representations')
    .select('created_at_ms as createdAtMs')
    .where('representative_person_id', '=', representativePersonId)
    .where('represented_person_id', '=', representedPersonId)
    .executeTakeFirst();
}

/** Whether anyone represents the person. */
export async function isRepresented(tx: Tx, personId: string): Promise<boolean> {
  const row = await tx.db.selectFrom('representations').select('represented_person_id').where('represented_person_id', '=', personId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Whether the person represents anyone. */
export async function representsAnyone(tx: Tx, personId: string): Promise<boolean> {
  const row = await tx.db.selectFrom('representations').select('representative_person_id').where('representative_person_id', '=', personId).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function insertRepresentation(tx: Tx, input: { representativePersonId: string; representedPersonId: string; nowMs: number }): Promise<void> {
  await tx.db
    .insertInto('representations')
    .values({ representative_person_id: input.representativePersonId, represented_person_id: input.representedPersonId, created_at_ms: input.nowMs })
    .execute();
}

export interface RepresentedPersonRow {
  personId: string;
  mykeyId: string;
  representedSinceMs: number;
}

/** The persons this representative represents, oldest representation first. */
export async function listRepresentedBy(tx: Tx, representativePersonId: string): Promise<RepresentedPersonRow[]> {
  return tx.db
    .selectFrom('representations')
    .innerJoin('persons', 'persons.id', 'representations.represented_person_id')
    .select(['persons.id as personId', 'persons.mykey_id as mykeyId', 'representations.created_at_ms as representedSinceMs'])
    .where('representations.representative_person_id', '=', representativePersonId)
    .orderBy('representations.created_at_ms')
    .orderBy('persons.mykey_id')
    .execute();
}
