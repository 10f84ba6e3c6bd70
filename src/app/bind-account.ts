/**
 * Binding (申込, DESIGN.md §2.3): a logged-in citizen binds one provider account per campaign. The provider
 * confirms the payment-service ID and security code, and the card signs the binding itself, so a stale session on
 * a shared terminal can never bind someone else's Mykey ID. One binding per person per campaign, final; one holder
 * per account per campaign. A legal representative binds for a person they represent (`onBehalfOf`, signed by the
 * representative's card): the binding is that person's, and the account is the representative's where the campaign
 * lets minors share it, else the represented person's (src/domain/representation.ts).
 */
import { randomUUID } from 'node:crypto';
import { bindingSha256, type BindingDetails } from '../domain/challenge-nonce.js';
import { acceptsProviderService, isApplicationOpen, validateCampaign, type Campaign } from '../domain/campaign.js';
import { accountHolderOf } from '../domain/representation.js';
import { fail, ok, type Result } from '../domain/result.js';
import type { AuthToken } from '../identity/auth-token.js';
import { ensureAccount, findAccount, findAccountHolder, findBindingOfPerson, insertBinding } from '../store/bindings-repo.js';
import { findCampaign, lockBudgets } from '../store/campaigns-repo.js';
import { isUniqueViolation, type Tx } from '../store/db.js';
import { findPersonByCredential, lockPerson } from '../store/persons-repo.js';
import { findNewestProviderKey, findProvider, findProviderService } from '../store/providers-repo.js';
import { issueChallenge, proveCard, type CardProofErrorCode, type IssuedChallenge } from './card-login.js';
import type { CitizenSession } from './citizen.js';
import type { AppContext } from './context.js';
import { grantAwardIfAttested } from './fixed-awards.js';
import { unseal } from './platform-keys.js';
import { actingFor, type ActingFor } from './representatives.js';


export async function issueBindChallenge(ctx: AppContext, session: CitizenSession, details: BindingDetails): Promise<IssuedChallenge> {
  return issueChallenge(ctx, { context: { purpose: 'bind', bindingSha256: bindingSha256(details) }, sessionId: session.tokenSha256 });
}

export type BindErrorCode =
  | CardProofErrorCode
  | 'binding_challenge_mismatch'
  | 'card_person_mismatch'
  | 'representation_not_found'
  | 'campaign_not_found'
  | 'campaign_application_closed'
  | 'provider_service_not_found'
  | 'provider_service_not_eligible'
  | 'campaign_budget_exhausted'
  | 'binding_already_exists'
  | 'account_already_bound'
  | 'provider_unavailable'
  | 'account_verification_failed';

export interface BindingMade extends BindingDetails {
  boundAtMs: number;
}

type Checked = { campaign: Campaign; providerId: string; verifyUrl: string; holderPersonId: string };

/** The rules that need only reads; run before the provider call and again, by constraints, at the write. */
async function checkBindable(tx: Tx, subject: ActingFor, details: BindingDetails, nowMs: number): Promise<Result<Checked, BindErrorCode>> {
  const row = await findCampaign(tx, details.campaignId);
  if (row === undefined) return fail('campaign_not_found', 'no such campaign', 'campaignId');
  const campaign = validateCampaign(row.definition, row.version);
  if (!campaign.ok) throw new Error(`stored campaign ${details.campaignId} no longer validates`);
  if (!isApplicationOpen(campaign.value, nowMs)) return fail('campaign_application_closed', 'the campaign is not taking applications now', 'campaignId');
  const service = await findProviderService(tx, details.providerServiceId);
  if (service === undefined) return fail('provider_service_not_found', 'no such provider service', 'providerServiceId');
  if (!acceptsProviderService(campaign.value, service.id)) {
    return fail('provider_service_not_eligible', 'the campaign does not accept this provider service', 'providerServiceId');
  }
  const budget = (await lockBudgets(tx, [campaign.value.id], false)).get(campaign.value.id);
  if (budget?.exhaustedAtMs != null) {
    return fail('campaign_budget_exhausted', 'the campaign has granted its whole budget and takes no more applications', 'campaignId');
  }
  if ((await findBindingOfPerson(tx, subject.personId, details.campaignId)) !== undefined) {
    return fail('binding_already_exists', 'you already chose a payment service for this campaign; the choice is final', 'campaignId');
  }
  const holderPersonId = accountHolderOf(campaign.value, subject);
  const account = await findAccount(tx, service.providerId, details.accountRef);
  const holder = account === undefined ? undefined : await findAccountHolder(tx, details.campaignId, account.accountId);
  if (holder !== undefined && holder !== holderPersonId) {
    return fail('account_already_bound', 'this account already carries another person in this campaign', 'accountRef');
  }
  const provider = await findProvider(tx, service.providerId);
  if (provider === undefined) throw new Error(`service ${service.id} has no provider`);
  return ok({ campaign: campaign.value, providerId: provider.id, verifyUrl: provider.verifyUrl, holderPersonId });
}

async function verifyWithProvider(ctx: AppContext, checked: Checked, details: BindingDetails, securityCode: string): Promise<Result<void, BindErrorCode>> {
  const key = await ctx.store.transaction((tx) => findNewestProviderKey(tx, checked.providerId, ctx.clock.nowMs()));
  if (key === undefined) return fail('provider_unavailable', 'the provider has no active key to sign the verification call');
  return ctx.providerVerifier.verify({
    verifyUrl: checked.verifyUrl,
    keyId: key.keyId,
    secret: unseal(ctx.keys, key.secretSealed),
    // Field by field: the provider never learns a Mykey ID, so onBehalfOf stays here.
    request: { campaignId: details.campaignId, providerServiceId: details.providerServiceId, accountRef: details.accountRef, securityCode },
  });
}

async function writeBinding(ctx: AppContext, subject: ActingFor, details: BindingDetails, checked: Checked): Promise<Result<BindingMade, BindErrorCode>> {
  const nowMs = ctx.clock.nowMs();
  try {
    const made = await ctx.store.transaction(async (tx) => {
      const accountId = await ensureAccount(tx, {
        accountId: randomUUID(),
        providerId: checked.providerId,
        providerServiceId: details.providerServiceId,
        accountRef: details.accountRef,
        nowMs,
      });
      // The person lock orders this binding with the person's attestations (see fixed-awards.ts).
      await lockPerson(tx, subject.personId);
      const binding = { bindingId: randomUUID(), personId: subject.personId, campaignId: details.campaignId, accountId, providerServiceId: details.providerServiceId, holderPersonId: checked.holderPersonId, createdAtMs: nowMs };
      if (!(await insertBinding(tx, binding))) return false;
      if (checked.campaign.kind === 'fixed_award') await grantAwardIfAttested(tx, { campaign: checked.campaign, binding, providerId: checked.providerId, nowMs });
      return true;
    });
    if (!made) return fail('account_already_bound', 'this account already carries another person in this campaign', 'accountRef');
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // A concurrent bind won; the rules, read again, say which one.
    const again = await ctx.store.transaction((tx) => checkBindable(tx, subject, details, nowMs));
    if (!again.ok) return again;
    throw error;
  }
  return ok({ ...details, boundAtMs: nowMs });
}

/**
 * Binds the account, for the session's person or, with `details.onBehalfOf`, for a person they represent. Codes, in
 * order: those of the card proof, binding_challenge_mismatch, card_person_mismatch, representation_not_found,
 * campaign_not_found, campaign_application_closed, provider_service_not_found, provider_service_not_eligible,
 * campaign_budget_exhausted, binding_already_exists, account_already_bound, provider_unavailable, account_verification_failed.
 * Nothing is written unless every check passes.
 */
export async function bindAccount(
  ctx: AppContext,
  session: CitizenSession,
  input: { challengeId: string; token: AuthToken; details: BindingDetails; securityCode: string },
): Promise<Result<BindingMade, BindErrorCode>> {
  const proof = await proveCard(ctx, { challengeId: input.challengeId, purpose: 'bind', token: input.token });
  if (!proof.ok) return proof;
  const { challenge } = proof.value;
  if (challenge.sessionId !== session.tokenSha256 || challenge.bindingSha256 !== bindingSha256(input.details)) {
    return fail('binding_challenge_mismatch', 'the binding differs from the one the challenge was issued for');
  }
  const checked = await ctx.store.transaction(async (tx) => {
    const cardPerson = await findPersonByCredential(tx, proof.value.credentialHash);
    if (cardPerson?.personId !== session.personId) {
      return fail('card_person_mismatch', 'the card that signed is not the card of this session; log in again');
    }
    const subject = await actingFor(tx, session, input.details.onBehalfOf);
    if (!subject.ok) return subject;
    const bindable = await checkBindable(tx, subject.value, input.details, ctx.clock.nowMs());
    return bindable.ok ? ok({ subject: subject.value, ...bindable.value }) : bindable;
  });
  if (!checked.ok) return checked;
  const verified = await verifyWithProvider(ctx, checked.value, input.details, input.securityCode);
  if (!verified.ok) return verified;
  return writeBinding(ctx, checked.value.subject, input.details, checked.value);
}
