/**
 * Legal representatives (DOMAIN.md §4.6, DESIGN.md §1): a representative, logged in with their own card, adds a
 * person they represent by having that person's card sign a `represent` challenge of the representative's session
 * (the represented person's PIN). The card is verified exactly as at a login — chain, validity, purpose,
 * signature, revocation, the renewal lookup of a first login — and its person found or created with a new Mykey ID.
 * The representative then binds and cancels on the person's behalf (`onBehalfOf`, see bind-account.ts) and sees
 * their points. The relation is declared, not proven (a JPKI authentication certificate has no date of birth), and
 * every representation added is in the audit log with the declared relation.
 */
import { decideRepresentation, type RepresentationRefusal, type RepresentationRelation } from '../domain/representation.js';
import { fail, ok, type Result } from '../domain/result.js';
import type { AuthToken } from '../identity/auth-token.js';
import { appendAudit } from '../store/audit-repo.js';
import { listBindingsOfPerson, type PersonBindingView } from '../store/bindings-repo.js';
import type { Tx } from '../store/db.js';
import { findPersonByMykeyId, lockPerson } from '../store/persons-repo.js';
import { findRepresentation, insertRepresentation, isRepresented, listRepresentedBy, representsAnyone } from '../store/representations-repo.js';
import { issueChallenge, personOfCard, proveCard, type CardProofErrorCode, type IssuedChallenge } from './card-login.js';
import type { CitizenSession } from './citizen.js';
import type { AppContext } from './context.js';

/** A challenge of the representative's session for the represented person's card; its nonce names the representative. */
export async function issueRepresentChallenge(ctx: AppContext, session: CitizenSession): Promise<IssuedChallenge> {
  return issueChallenge(ctx, { context: { purpose: 'represent', representativeMykeyId: session.mykeyId }, sessionId: session.tokenSha256 });
}

export type RepresentErrorCode = CardProofErrorCode | 'representation_challenge_mismatch' | 'renewal_lookup_unavailable' | RepresentationRefusal;

export interface RepresentationMade {
  mykeyId: string;
  personCreated: boolean;
  /** False when the representative already represented this person (nothing was written). */
  representationCreated: boolean;
  representedSinceMs: number;
}

/**
 * Adds the person whose card signed the challenge as represented by the session's person. Codes, in order: those
 * of the card proof, representation_challenge_mismatch, representative_is_represented, renewal_lookup_unavailable,
 * representation_of_self, represented_is_representative. Adding a person already represented is answered as before.
 *
 * @example
 * const made = await addRepresented(ctx, parentSession, { challengeId, token: childCardToken, relation: 'parental_authority' });
 */
export async function addRepresented(
  ctx: AppContext,
  session: CitizenSession,
  input: { challengeId: string; token: AuthToken; relation: RepresentationRelation },
): Promise<Result<RepresentationMade, RepresentErrorCode>> {
  const proof = await proveCard(ctx, { challengeId: input.challengeId, purpose: 'represent', token: input.token });
  if (!proof.ok) return proof;
  if (proof.value.challenge.sessionId !== session.tokenSha256) {
    return fail('representation_challenge_mismatch', 'the challenge was issued to another session', 'challengeId');
  }
  // Refused before the card's person is looked up, so that a refused request creates no Mykey ID.
  if (await ctx.store.transaction((tx) => isRepresented(tx, session.personId))) {
    return fail('representative_is_represented', 'a person who is represented by someone cannot represent anyone');
  }
  const found = await personOfCard(ctx, proof.value);
  if (!found.ok) return found;
  const represented = found.value;
  return ctx.store.transaction(async (tx) => {
    const nowMs = ctx.clock.nowMs();
    // Both persons' locks: a concurrent representation of either sees this one, so no chain can form.
    for (const personId of [...new Set([session.personId, represented.personId])].sort()) await lockPerson(tx, personId);
    const existing = await findRepresentation(tx, session.personId, represented.personId);
    const decided = decideRepresentation({
      representativePersonId: session.personId,
      representedPersonId: represented.personId,
      representativeIsRepresented: await isRepresented(tx, session.personId),
      representedRepresentsOthers: await representsAnyone(tx, represented.personId),
      alreadyRepresents: existing !== undefined,
    });
    if (!decided.ok) return decided;
    const made = { mykeyId: represented.mykeyId, personCreated: represented.created };
    if (existing !== undefined) return ok({ ...made, representationCreated: false, representedSinceMs: existing.createdAtMs });
    await insertRepresentation(tx, { representativePersonId: session.personId, representedPersonId: represented.personId, nowMs });
    await appendAudit(tx, {
      atMs: nowMs,
      actor: 'citizen',
      action: 'representation.add',
      subject: session.mykeyId,
      details: { representedMykeyId: represented.mykeyId, declaredRelation: input.relation, personCreated: represented.created },
    });
    return ok({ ...made, representationCreated: true, representedSinceMs: nowMs });
  });
}

/** Whom a citizen request acts for: the session's own person, or a person the session's person represents. */
export interface ActingFor {
  personId: string;
  mykeyId: string;
  /** Set when the session's person acts as this person's representative. */
  representativePersonId?: string;
}

/**
 * The person a request acts for: the session's person, or the person with the Mykey ID `onBehalfOf` when the
 * session's person represents them. Codes: representation_not_found (no such person, or not represented by this
 * session's person: the two are not told apart, so a Mykey ID cannot be probed).
 */
export async function actingFor(tx: Tx, session: CitizenSession, onBehalfOf: string | undefined): Promise<Result<ActingFor, 'representation_not_found'>> {
  if (onBehalfOf === undefined) return ok({ personId: session.personId, mykeyId: session.mykeyId });
  const person = await findPersonByMykeyId(tx, onBehalfOf);
  if (person === undefined || (await findRepresentation(tx, session.personId, person.personId)) === undefined) {
    return fail('representation_not_found', 'you represent nobody with this Mykey ID; add them with their card first', 'onBehalfOf');
  }
  return ok({ ...person, representativePersonId: session.personId });
}

export interface RepresentedView {
  mykeyId: string;
  representedSinceMs: number;
  bindings: PersonBindingView[];
}

/** The persons the session's person represents, each with their bindings and points. */
export async function listRepresented(ctx: AppContext, session: CitizenSession): Promise<RepresentedView[]> {
  return ctx.store.transaction(async (tx) => {
    const views: RepresentedView[] = [];
    for (const person of await listRepresentedBy(tx, session.personId)) {
      views.push({ mykeyId: person.mykeyId, representedSinceMs: person.representedSinceMs, bindings: await listBindingsOfPerson(tx, person.personId) });
    }
    return views;
  });
}
