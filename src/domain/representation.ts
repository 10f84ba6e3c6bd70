/**
 * Legal representatives (法定代理人, DOMAIN.md §4.6): a representative logs in with their own card and acts for a
 * minor or an adult ward, whose own card (and PIN) creates the represented person's Mykey ID. The platform cannot
 * tell an age or a legal relation from a JPKI authentication certificate (it carries no personal attributes,
 * JPKI.md §2): the representative declares the relation, and the declaration is audited.
 *
 * Representation is one level deep: a represented person never represents anyone, and a representative is never
 * represented, so nobody acts through a chain of people. A person may have several representatives (both parents).
 */
import type { Campaign } from './campaign.js';
import { fail, ok, type Result } from './result.js';

/** What the representative declares the relation to be: 親権者, 未成年後見人, 成年後見人. */
export const representationRelations = ['parental_authority', 'minor_guardian', 'adult_guardian'] as const;
export type RepresentationRelation = (typeof representationRelations)[number];

/** What the store says about the two persons, read under both persons' locks. */
export interface RepresentationFacts {
  representativePersonId: string;
  representedPersonId: string;
  /** Someone represents the would-be representative. */
  representativeIsRepresented: boolean;
  /** The would-be represented person represents someone. */
  representedRepresentsOthers: boolean;
  /** The representative already represents this person. */
  alreadyRepresents: boolean;
}

export type RepresentationRefusal = 'representative_is_represented' | 'representation_of_self' | 'represented_is_representative';

/**
 * Whether the representation may be recorded: `new` (record it), `existing` (nothing to write: the same request
 * again is answered the same way). Codes, in order: representative_is_represented, representation_of_self,
 * represented_is_representative.
 *
 * @example
 * decideRepresentation({ representativePersonId: 'p', representedPersonId: 'c', representativeIsRepresented: false,
 *   representedRepresentsOthers: false, alreadyRepresents: false }) // ok('new')
 */
export function decideRepresentation(facts: RepresentationFacts): Result<'new' | 'existing', RepresentationRefusal> {
  if (facts.representativeIsRepresented) {
    return fail('representative_is_represented', 'a person who is represented by someone cannot represent anyone');
  }
  if (facts.representativePersonId === facts.representedPersonId) {
    return fail('representation_of_self', 'this is your own card; the card of the person you represent must sign', 'authToken');
  }
  if (facts.alreadyRepresents) return ok('existing');
  if (facts.representedRepresentsOthers) {
    return fail('represented_is_representative', 'this person represents others and cannot be represented', 'authToken');
  }
  return ok('new');
}

/**
 * Whose account it is when a binding is made (the holder of `account_holders`): the person bound, or — for a
 * represented person bound by their representative in a campaign that lets minors share their representative's
 * account — the representative, so that the account carries the representative and those they represent and no
 * other adult. Elsewhere one person per account (the real Mynapoint rule: child A and child B on two services).
 *
 * @example
 * accountHolderOf(campaign, { personId: 'child', representativePersonId: 'parent' }) // 'parent' where shared
 */
export function accountHolderOf(campaign: Pick<Campaign, 'representatives'>, subject: { personId: string; representativePersonId?: string }): string {
  if (subject.representativePersonId !== undefined && campaign.representatives.minorsMayShareAccount) return subject.representativePersonId;
  return subject.personId;
}
