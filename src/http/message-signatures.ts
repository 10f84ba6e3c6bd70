/**
 * HTTP Message Signatures (RFC 9421) with `alg="hmac-sha256"` and per-provider shared secrets, the body bound by
 * Content-Digest (RFC 9530). Providers sign their calls to us with this scheme, and we sign ours to them the same way.
 *
 * This is hand-written rather than built on the `http-message-signatures` package. That package's verifier reads
 * the clock itself (its age check uses `Date.now()`, so `nowS` cannot be injected), looks the key up before it
 * checks the covered components, verifies every signature in the header instead of one label, ignores
 * Content-Digest, and reports failures as thrown errors of mixed classes (some plain `Error`s). Mapping that onto
 * our ordered codes would take more code than the subset of RFC 9421 we need. Its structured-field parser is a
 * transitive dependency we do not declare, so RFC 8941 parsing is here too.
 *
 * Only `@method`, `@target-uri` and plain header fields (no component parameters such as `;sf` or `;bs`) can be
 * covered. A signature that covers anything else is refused as malformed rather than half-understood.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail, ok, type Failure, type Result } from '../domain/result.js';

/**
 * Replay window: `created` must be within ±300 s of now, so a captured request is useless after five minutes; within
 * them, the caller catches a replay by `signatureSha256Hex`.
 */
export const signatureWindowS = 300;

/** The label we sign under and prefer when verifying; other signers' labels are accepted when sig1 is absent. */
const signatureLabel = 'sig1';
const signatureAlgorithm = 'hmac-sha256';

export type SignatureErrorCode =
  | 'request_signature_missing'
  | 'request_signature_malformed'
  | 'provider_key_unknown'
  | 'request_signature_expired'
  | 'content_digest_mismatch'
  | 'request_signature_invalid';

export interface VerifiedSignature {
  keyId: string;
  createdS: number;
  /** sha256 of the signature bytes, for the caller's replay check, so it can store this rather than the HMAC. */
  signatureSha256Hex: string;
}

/**
 * The Content-Digest field value (RFC 9530) of a body, with the sha-256 algorithm.
 *
 * @example
 * contentDigest(Buffer.from('{"hello": "world"}\n')) // 'sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:'
 */
export function contentDigest(body: Uint8Array): string {
  return `sha-256=${serializeBareItem({ type: 'bytes', value: sha256(body) })}`;
}

/**
 * The RFC 9421 §2.5 signature base: one `"name": value` line per covered component, in order, then the
 * `@signature-params` line. Names are component names without parameters; values must be ASCII on one line
 * (a caller passing anything else is a bug, so it asserts).
 *
 * @example
 * signatureBase([['@method', 'POST']], '("@method");created=1618884473;keyid="k"')
 * // '"@method": POST\n"@signature-params": ("@method");created=1618884473;keyid="k"'
 */
export function signatureBase(components: ReadonlyArray<readonly [name: string, value: string]>, signatureParams: string): string {
  for (const [name, value] of components) {
    assert.match(name, componentNamePattern);
    assert.match(value, asciiLinePattern, `the value of ${name} is not one line of ASCII`);
  }
  assert.match(signatureParams, asciiLinePattern);
  return [...components.map(([name, value]) => `"${name}": ${value}`), `"@signature-params": ${signatureParams}`].join('\n');
}

/**
 * The `hmac-sha256` signature (RFC 9421 §3.3.3) of a signature base.
 *
 * @example
 * hmacSha256(signatureBase(components, signatureParams), secret).toString('base64')
 */
export function hmacSha256(base: string, secret: Uint8Array): Buffer {
  assert.ok(secret.byteLength > 0, 'an empty HMAC secret is a configuration bug');
  return createHmac('sha256', secret).update(base).digest();
}

/**
 * The headers to add to an outgoing request: `content-digest` (only when a body is given), `signature-input` and
 * `signature`, labelled sig1, covering "@method" "@target-uri" and, with a body, "content-digest", with the
 * parameters created, keyid and alg="hmac-sha256". Returns no codes: bad input (a non-ASCII keyId, a fractional
 * createdS) is a bug and asserts.
 *
 * @example
 * signRequest({ method: 'POST', url: 'https://pay.example/v1/verify', body, keyId: 'mykey-2025', secret, createdS: 1750000000 })
 * // { 'content-digest': 'sha-256=:…:', 'signature-input': 'sig1=("@method" "@target-uri" "content-digest");created=1750000000;keyid="mykey-2025";alg="hmac-sha256"', signature: 'sig1=:…:' }
 */
export function signRequest(input: {
  method: string;
  url: string;
  body?: Uint8Array;
  keyId: string;
  secret: Uint8Array;
  createdS: number;
  /** RFC 9421 §2.3 nonce; random by default, so two identical requests in one second still differ. */
  nonce?: string;
}): Record<string, string> {
  assert.ok(Number.isSafeInteger(input.createdS) && input.createdS >= 0, 'createdS is whole seconds since the epoch');
  const nonce = input.nonce ?? randomBytes(16).toString('base64url');
  const digest = input.body === undefined ? undefined : contentDigest(input.body);
  const components: Array<[string, string]> = [
    ['@method', input.method],
    ['@target-uri', input.url],
  ];
  if (digest !== undefined) components.push(['content-digest', digest]);
  const signatureParams = serializeInnerList({
    items: components.map(([name]) => ({ bareItem: { type: 'string', value: name }, parameters: new Map() })),
    parameters: new Map<string, BareItem>([
      ['created', { type: 'integer', value: input.createdS }],
      ['nonce', { type: 'string', value: nonce }],
      ['keyid', { type: 'string', value: input.keyId }],
      ['alg', { type: 'string', value: signatureAlgorithm }],
    ]),
  });
  const signature = hmacSha256(signatureBase(components, signatureParams), input.secret);
  return {
    ...(digest === undefined ? {} : { 'content-digest': digest }),
    'signature-input': `${signatureLabel}=${signatureParams}`,
    signature: `${signatureLabel}=${serializeBareItem({ type: 'bytes', value: signature })}`,
  };
}

/**
 * Verifies the signature labelled sig1 (or else the first one) of an incoming request. `targetUri` must be the
 * full URI the signer used (scheme, authority, path and query). The first failing check wins:
 * - `request_signature_missing`: no Signature or Signature-Input header (or an empty one);
 * - `request_signature_malformed`: not RFC 8941 dictionaries; no byte-sequence signature for the label; no
 *   `keyid` or integer `created`; `alg` other than hmac-sha256; "@method" or "@target-uri" not covered; a
 *   non-empty body without "content-digest" covered; a covered header absent, non-ASCII or (Content-Digest)
 *   without a sha-256 member; a covered component we do not support;
 * - `provider_key_unknown`: `lookupSecret` knows no key with that keyid;
 * - `request_signature_expired`: |nowS − created| > windowS (default {@link signatureWindowS}), or past `expires`;
 * - `content_digest_mismatch`: the covered sha-256 Content-Digest is not the digest of the body;
 * - `request_signature_invalid`: the HMAC does not match.
 * A rejection of `lookupSecret` (the store is down) propagates: it says nothing about the signature.
 *
 * @example
 * const r = await verifyRequest({ method: 'POST', targetUri: 'https://api.mykey.example/v1/provider/events',
 *   headers: request.headers, body, nowS: Math.floor(nowMs / 1000), lookupSecret: (keyId) => keys.secretOf(keyId) });
 * if (!r.ok) return r; // r.code is one of SignatureErrorCode
 */
export async function verifyRequest(input: {
  method: string;
  targetUri: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Uint8Array;
  nowS: number;
  windowS?: number;
  lookupSecret: (keyId: string) => Promise<Uint8Array | undefined>;
}): Promise<Result<VerifiedSignature, SignatureErrorCode>> {
  const windowS = input.windowS ?? signatureWindowS;
  assert.ok(Number.isSafeInteger(input.nowS) && Number.isSafeInteger(windowS) && windowS >= 0, 'times are whole seconds');
  const claim = parseSignedRequest(input);
  if (!claim.ok) return claim;
  const secret = await input.lookupSecret(claim.value.keyId);
  if (secret === undefined) return fail('provider_key_unknown', `no active key has keyid ${JSON.stringify(claim.value.keyId)}`);
  return checkSignature(claim.value, secret, input.body ?? new Uint8Array(), input.nowS, windowS);
}

// ---- Verification steps.

/** What a request's signature claims: checked for shape, not yet for time, digest or HMAC. */
interface SignatureClaim {
  keyId: string;
  createdS: number;
  expiresS: number | undefined;
  base: string;
  signature: Buffer;
  /** The sha-256 member of Content-Digest when the signature covers that header; uncovered, it proves nothing. */
  contentDigestSha256: Buffer | undefined;
}

type Malformed = Failure<'request_signature_malformed'>;

function malformed(message: string): Malformed {
  return fail('request_signature_malformed', message);
}

function parseSignedRequest(request: {
  method: string;
  targetUri: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Uint8Array;
}): Result<SignatureClaim, 'request_signature_missing' | 'request_signature_malformed'> {
  const signatureField = fieldValue(request.headers, 'signature');
  const inputField = fieldValue(request.headers, 'signature-input');
  if (signatureField === undefined || inputField === undefined) {
    return fail('request_signature_missing', 'the request needs both Signature and Signature-Input headers');
  }
  const selected = selectSignature(parseDictionary(signatureField), parseDictionary(inputField));
  if (!selected.ok) return selected;
  const { input, signature } = selected.value;
  const parameters = readSignatureParameters(input.parameters);
  if (!parameters.ok) return parameters;
  const names = readCoveredComponents(input.items, (request.body?.byteLength ?? 0) > 0);
  if (!names.ok) return names;
  const components: Array<[string, string]> = [];
  for (const name of names.value) {
    const value = componentValue(name, request);
    if (value === undefined) return malformed(`the covered header ${name} is absent`);
    // We do not implement the `bs` parameter that RFC 9421 §2.1.3 asks for with non-ASCII values.
    if (!asciiLinePattern.test(value)) return malformed(`the covered component ${name} is not ASCII`);
    components.push([name, value]);
  }
  const digestField = components.find(([name]) => name === 'content-digest')?.[1];
  const contentDigestSha256 = digestField === undefined ? undefined : readSha256Digest(digestField);
  if (digestField !== undefined && contentDigestSha256 === undefined) {
    return malformed('Content-Digest is not a dictionary with a sha-256 byte sequence');
  }
  return ok({ ...parameters.value, base: signatureBase(components, serializeInnerList(input)), signature, contentDigestSha256 });
}

/** Picks the signature labelled sig1, or else the first one, so a signer may add others (e.g. from a proxy). */
function selectSignature(
  signatures: Dictionary | undefined,
  inputs: Dictionary | undefined,
): Result<{ input: InnerList; signature: Buffer }, 'request_signature_malformed'> {
  if (signatures === undefined || inputs === undefined) {
    return malformed('Signature and Signature-Input must be RFC 8941 dictionaries');
  }
  const [firstLabel] = inputs.keys();
  const label = inputs.has(signatureLabel) ? signatureLabel : firstLabel;
  assert.ok(label !== undefined, 'a non-empty field parses to at least one member');
  const input = inputs.get(label);
  const signature = signatures.get(label);
  if (input === undefined || !('items' in input)) return malformed(`Signature-Input ${label} is not an inner list`);
  if (signature === undefined || 'items' in signature || signature.bareItem.type !== 'bytes') {
    return malformed(`Signature has no byte sequence labelled ${label}`);
  }
  return ok({ input, signature: signature.bareItem.value });
}

function readSignatureParameters(
  parameters: Parameters,
): Result<{ keyId: string; createdS: number; expiresS: number | undefined }, 'request_signature_malformed'> {
  const keyId = parameters.get('keyid');
  const created = parameters.get('created');
  const expires = parameters.get('expires');
  const alg = parameters.get('alg');
  if (keyId?.type !== 'string') return malformed('the signature needs a keyid string');
  if (created?.type !== 'integer') return malformed('the signature needs an integer created time');
  if (expires !== undefined && expires.type !== 'integer') return malformed('expires must be an integer');
  if (alg !== undefined && !(alg.type === 'string' && alg.value === signatureAlgorithm)) {
    return malformed(`alg must be "${signatureAlgorithm}"`);
  }
  return ok({ keyId: keyId.value, createdS: created.value, expiresS: expires?.value });
}

/** The covered component names, refusing any set that leaves the method, the URI or a body unsigned. */
function readCoveredComponents(items: Item[], hasBody: boolean): Result<string[], 'request_signature_malformed'> {
  const names: string[] = [];
  for (const { bareItem, parameters } of items) {
    if (bareItem.type !== 'string' || parameters.size > 0 || !supportedComponentPattern.test(bareItem.value)) {
      return malformed(`unsupported covered component ${serializeItem({ bareItem, parameters })}`);
    }
    if (names.includes(bareItem.value)) return malformed(`${bareItem.value} is covered twice`);
    names.push(bareItem.value);
  }
  const required = hasBody ? ['@method', '@target-uri', 'content-digest'] : ['@method', '@target-uri'];
  const uncovered = required.filter((name) => !names.includes(name));
  if (uncovered.length > 0) return malformed(`the signature must cover ${uncovered.join(' ')}`);
  return ok(names);
}

function componentValue(
  name: string,
  request: { method: string; targetUri: string; headers: Record<string, string | string[] | undefined> },
): string | undefined {
  if (name === '@method') return request.method;
  if (name === '@target-uri') return request.targetUri;
  return fieldValue(request.headers, name);
}

function readSha256Digest(field: string): Buffer | undefined {
  const member = parseDictionary(field)?.get('sha-256');
  return member !== undefined && !('items' in member) && member.bareItem.type === 'bytes' ? member.bareItem.value : undefined;
}

function checkSignature(
  claim: SignatureClaim,
  secret: Uint8Array,
  body: Uint8Array,
  nowS: number,
  windowS: number,
): Result<VerifiedSignature, 'request_signature_expired' | 'content_digest_mismatch' | 'request_signature_invalid'> {
  if (Math.abs(nowS - claim.createdS) > windowS) {
    return fail('request_signature_expired', `created ${claim.createdS} is more than ${windowS} s from now (${nowS})`);
  }
  if (claim.expiresS !== undefined && nowS > claim.expiresS) {
    return fail('request_signature_expired', `the signature expired at ${claim.expiresS}`);
  }
  if (claim.contentDigestSha256 !== undefined && !bytesEqual(claim.contentDigestSha256, sha256(body))) {
    return fail('content_digest_mismatch', 'the sha-256 Content-Digest is not the digest of the body');
  }
  if (!bytesEqual(claim.signature, hmacSha256(claim.base, secret))) {
    return fail('request_signature_invalid', 'the HMAC does not match');
  }
  return ok({ keyId: claim.keyId, createdS: claim.createdS, signatureSha256Hex: sha256(claim.signature).toString('hex') });
}

/** Constant-time, so response timing does not reveal how much of a guessed HMAC was right. */
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * A header's value by lower-case name (headers may arrive in any case), field lines trimmed and joined with ", "
 * as RFC 9421 §2.1 and RFC 8941 §4.2 both ask; undefined when absent or blank.
 */
function fieldValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key, value]) => key.toLowerCase() === name && value !== undefined);
  const lines = entry?.[1];
  if (lines === undefined) return undefined;
  const value = (Array.isArray(lines) ? lines : [lines]).map((line) => line.trim()).join(', ');
  return value === '' ? undefined : value;
}

/** Lower-case field names (RFC 9421 §2.1) and the two derived components we support. */
const supportedComponentPattern = /^(?:@method|@target-uri|[a-z0-9!#$%&'*+.^_`|~-]+)$/;
const componentNamePattern = /^@?[a-z0-9!#$%&'*+.^_`|~-]+$/;
const asciiLinePattern = /^[\t\x20-\x7e]*$/;

// ---- RFC 8941 structured fields: dictionaries, inner lists, items and parameters, parsed and serialized.

type BareItem =
  | { type: 'integer' | 'decimal'; value: number }
  | { type: 'string' | 'token'; value: string }
  | { type: 'bytes'; value: Buffer }
  | { type: 'boolean'; value: boolean };
/** A Map keeps first-insertion order when a key repeats, which is what RFC 8941 asks ("overwrite its value"). */
type Parameters = Map<string, BareItem>;
interface Item {
  bareItem: BareItem;
  parameters: Parameters;
}
interface InnerList {
  items: Item[];
  parameters: Parameters;
}
type Dictionary = Map<string, Item | InnerList>;

/** Thrown only inside the parser, where unwinding beats threading results through every step; never escapes it. */
class StructuredFieldError extends Error {}

interface Cursor {
  readonly text: string;
  index: number;
}

/** Parses an RFC 8941 §4.2.2 dictionary; undefined when the text is not one. */
function parseDictionary(text: string): Dictionary | undefined {
  const cursor: Cursor = { text: text.replace(/^ +| +$/g, ''), index: 0 };
  try {
    return readDictionary(cursor);
  } catch (error) {
    if (error instanceof StructuredFieldError) return undefined;
    throw error;
  }
}

function readDictionary(cursor: Cursor): Dictionary {
  const dictionary: Dictionary = new Map();
  while (cursor.index < cursor.text.length) {
    const key = readMatch(cursor, keyPattern);
    if (peek(cursor) === '=') {
      cursor.index += 1;
      dictionary.set(key, peek(cursor) === '(' ? readInnerList(cursor) : readItem(cursor));
    } else {
      dictionary.set(key, { bareItem: { type: 'boolean', value: true }, parameters: readParameters(cursor) });
    }
    readMatch(cursor, owsPattern);
    if (cursor.index === cursor.text.length) return dictionary;
    readMatch(cursor, memberSeparatorPattern);
    if (cursor.index === cursor.text.length) throw new StructuredFieldError('trailing comma');
  }
  return dictionary;
}

function readInnerList(cursor: Cursor): InnerList {
  cursor.index += 1; // the opening parenthesis
  const items: Item[] = [];
  while (cursor.index < cursor.text.length) {
    readMatch(cursor, spacesPattern);
    if (peek(cursor) === ')') {
      cursor.index += 1;
      return { items, parameters: readParameters(cursor) };
    }
    items.push(readItem(cursor));
    if (peek(cursor) !== ' ' && peek(cursor) !== ')') throw new StructuredFieldError('inner list items need spaces between');
  }
  throw new StructuredFieldError('unterminated inner list');
}

function readItem(cursor: Cursor): Item {
  return { bareItem: readBareItem(cursor), parameters: readParameters(cursor) };
}

function readParameters(cursor: Cursor): Parameters {
  const parameters: Parameters = new Map();
  while (peek(cursor) === ';') {
    cursor.index += 1;
    readMatch(cursor, spacesPattern);
    const key = readMatch(cursor, keyPattern);
    let value: BareItem = { type: 'boolean', value: true };
    if (peek(cursor) === '=') {
      cursor.index += 1;
      value = readBareItem(cursor);
    }
    parameters.set(key, value);
  }
  return parameters;
}

function readBareItem(cursor: Cursor): BareItem {
  const first = peek(cursor) ?? '';
  if (first === '"') {
    const quoted = readMatch(cursor, stringPattern);
    return { type: 'string', value: quoted.slice(1, -1).replace(/\\(["\\])/g, '$1') };
  }
  if (first === ':') return { type: 'bytes', value: Buffer.from(readMatch(cursor, bytesPattern).slice(1, -1), 'base64') };
  if (first === '?') return { type: 'boolean', value: readMatch(cursor, booleanPattern) === '?1' };
  if (/[A-Za-z*]/.test(first)) return { type: 'token', value: readMatch(cursor, tokenPattern) };
  const number = readMatch(cursor, numberPattern);
  return { type: number.includes('.') ? 'decimal' : 'integer', value: Number(number) };
}

function peek(cursor: Cursor): string | undefined {
  return cursor.text[cursor.index];
}

/** Consumes what a sticky pattern matches at the cursor, or fails the parse. */
function readMatch(cursor: Cursor, pattern: RegExp): string {
  pattern.lastIndex = cursor.index;
  const match = pattern.exec(cursor.text);
  if (match === null) throw new StructuredFieldError(`expected ${pattern.source} at ${cursor.index}`);
  cursor.index += match[0].length;
  return match[0];
}

const keyPattern = /[a-z*][a-z0-9_.*-]*/y;
const owsPattern = /[ \t]*/y;
const spacesPattern = / */y;
const memberSeparatorPattern = /,[ \t]*/y;
// RFC 8941 §3.3.1–3.3.2: at most 15 integer digits, or 12 before and 1–3 after the point of a decimal. The
// lookahead stops "1234567890123.4" from matching as an integer followed by junk.
const numberPattern = /-?(?:\d{1,12}\.\d{1,3}|\d{1,15})(?![\d.])/y;
const stringPattern = /"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"/y;
const tokenPattern = /[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*/y;
const bytesPattern = /:[A-Za-z0-9+/]*={0,2}:/y;
const booleanPattern = /\?[01]/y;

function serializeInnerList(list: InnerList): string {
  return `(${list.items.map(serializeItem).join(' ')})${serializeParameters(list.parameters)}`;
}

function serializeItem(item: Item): string {
  return serializeBareItem(item.bareItem) + serializeParameters(item.parameters);
}

function serializeParameters(parameters: Parameters): string {
  return [...parameters]
    .map(([key, value]) => (value.type === 'boolean' && value.value ? `;${key}` : `;${key}=${serializeBareItem(value)}`))
    .join('');
}

function serializeBareItem(bareItem: BareItem): string {
  switch (bareItem.type) {
    case 'integer':
      assert.ok(Number.isInteger(bareItem.value) && Math.abs(bareItem.value) <= 999_999_999_999_999);
      return String(bareItem.value);
    case 'decimal': {
      // Parsed decimals have at most 15 significant digits, so String() gives back exactly those digits.
      const text = String(bareItem.value);
      return text.includes('.') ? text : `${text}.0`;
    }
    case 'string':
      assert.match(bareItem.value, /^[\x20-\x7e]*$/, 'structured-field strings are printable ASCII');
      return `"${bareItem.value.replace(/["\\]/g, '\\$&')}"`;
    case 'token':
      return bareItem.value;
    case 'bytes':
      return `:${bareItem.value.toString('base64')}:`;
    case 'boolean':
      return bareItem.value ? '?1' : '?0';
  }
}
