/**
 * HTTP helpers for legal representatives: the represent challenge of a representative's session, signed by the
 * card of the person to represent; the list of represented persons; a cancel on someone's behalf.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { signWebEidChallenge, type SoftwareCard } from '../../src/card/software-card.js';
import type { RepresentationRelation } from '../../src/domain/representation.js';
import { injectJson, type HttpCitizen, type HttpWorld } from './http.js';
import { testOrigin } from './world.js';

/** A represent challenge of the representative's session. */
export async function representChallenge(http: HttpWorld, representative: HttpCitizen): Promise<{ challengeId: string; nonce: string }> {
  const response = await injectJson(http.app, { method: 'POST', url: '/v1/citizen/represented/challenge', token: representative.sessionToken });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/**
 * POST /v1/citizen/represented: `card` (the represented person's) signs a represent challenge of the
 * representative's session (or the `challenge` given), sent in the representative's session.
 */
export async function httpAddRepresented(
  http: HttpWorld,
  representative: HttpCitizen,
  card: SoftwareCard,
  options: { relation?: RepresentationRelation; idempotencyKey?: string; challenge?: { challengeId: string; nonce: string } } = {},
): Promise<LightMyRequestResponse> {
  const challenge = options.challenge ?? (await representChallenge(http, representative));
  const authToken = signWebEidChallenge(card, { origin: testOrigin, nonce: challenge.nonce });
  return injectJson(http.app, {
    method: 'POST',
    url: '/v1/citizen/represented',
    token: representative.sessionToken,
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
    json: { challengeId: challenge.challengeId, authToken, relation: options.relation ?? 'parental_authority' },
  });
}

/** Adds the represented person and fails the test unless the answer is 200 or 201; returns their Mykey ID. */
export async function addRepresentedOk(http: HttpWorld, representative: HttpCitizen, card: SoftwareCard): Promise<string> {
  const response = await httpAddRepresented(http, representative, card);
  assert.ok(response.statusCode === 201 || response.statusCode === 200, response.body);
  return (response.json() as { mykeyId: string }).mykeyId;
}

export interface CitizenBindingView {
  campaignId: string;
  providerServiceId: string;
  accountRef: string;
  boundAt: string;
  eligibleYen: number;
  points: number;
}

/** GET /v1/citizen/represented. */
export async function representedBy(http: HttpWorld, representative: HttpCitizen): Promise<Array<{ mykeyId: string; representedSince: string; bindings: CitizenBindingView[] }>> {
  const response = await injectJson(http.app, { method: 'GET', url: '/v1/citizen/represented', token: representative.sessionToken });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { data: Array<{ mykeyId: string; representedSince: string; bindings: CitizenBindingView[] }> }).data;
}

/** GET /v1/citizen/me: the citizen's own bindings. */
export async function ownBindings(http: HttpWorld, citizen: HttpCitizen): Promise<CitizenBindingView[]> {
  const response = await injectJson(http.app, { method: 'GET', url: '/v1/citizen/me', token: citizen.sessionToken });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { bindings: CitizenBindingView[] }).bindings;
}

/** DELETE /v1/citizen/bindings/{campaignId}, for oneself or on behalf of a represented person. */
export function httpCancel(http: HttpWorld, citizen: HttpCitizen, campaignId: string, onBehalfOf?: string): Promise<LightMyRequestResponse> {
  const query = onBehalfOf === undefined ? '' : `?onBehalfOf=${onBehalfOf}`;
  return injectJson(http.app, { method: 'DELETE', url: `/v1/citizen/bindings/${campaignId}${query}`, token: citizen.sessionToken, idempotencyKey: randomUUID() });
}
