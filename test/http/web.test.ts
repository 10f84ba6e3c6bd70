// Ensures `mykey serve` serves the web faces itself, safely: the portal, provider and operator pages (deep links
// too) as never-cached HTML, their hashed assets with a year-long immutable cache, a strict Content-Security-Policy
// on every answer (scripts and styles only from the platform, no inline code in the built pages, no framing, the
// card agent the one other address), and API paths that never fall back to a page. How: the real app with the
// pages `npm run build` made, through app.inject().
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { webRoot } from '../../src/http/web.js';
import { operatorToken, startHttpWorld, type HttpWorld } from '../helpers/http.js';

const html = { accept: 'text/html,application/xhtml+xml' };
const agentUrl = 'http://127.0.0.1:24999';

describe('the web faces', () => {
  let http: HttpWorld;
  let app: Awaited<ReturnType<typeof buildApp>>;

  before(async () => {
    http = await startHttpWorld();
    app = await buildApp(http.ctx, { operatorToken, logger: false, rateLimitPerMinute: 100_000, cardAgentUrl: agentUrl, serveWebFaces: true });
  });
  after(async () => {
    await app.close();
    await http.close();
  });

  it('serves each face at its paths, deep links included, never cached', async () => {
    for (const [url, entry] of [
      ['/', 'portal'],
      ['/account', 'portal'],
      ['/apply/mynapoint-demo', 'portal'],
      ['/provider/', 'provider'],
      ['/provider/keys', 'provider'],
      ['/operator/campaigns/new', 'operator'],
    ] as const) {
      const response = await app.inject({ method: 'GET', url, headers: html });
      assert.equal(response.statusCode, 200, url);
      assert.match(String(response.headers['content-type']), /^text\/html/, url);
      assert.equal(response.headers['cache-control'], 'no-cache', url);
      assert.match(response.body, new RegExp(`/assets/${entry}-[A-Za-z0-9_-]+\\.js`), `${url} loads the ${entry} face`);
    }
    const bare = await app.inject({ method: 'GET', url: '/provider' });
    assert.equal(bare.statusCode, 302);
    assert.equal(bare.headers.location, '/provider/');
  });

  it('caches hashed assets for a year, immutably', async () => {
    const page = await app.inject({ method: 'GET', url: '/', headers: html });
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    assert.ok(script !== undefined);
    const asset = await app.inject({ method: 'GET', url: script });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['cache-control']), /max-age=31536000/);
    assert.match(String(asset.headers['cache-control']), /immutable/);
  });

  it('sends a strict Content-Security-Policy and no-framing headers with pages and API answers alike', async () => {
    for (const url of ['/', '/v1/campaigns']) {
      const response = await app.inject({ method: 'GET', url, headers: html });
      const csp = String(response.headers['content-security-policy']);
      for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", `connect-src 'self' ${agentUrl}`, "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]) {
        assert.ok(csp.split(';').includes(directive), `${url}: ${directive} in ${csp}`);
      }
      assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
      assert.equal(response.headers['x-frame-options'], 'DENY');
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
    }
  });

  it('builds pages with no inline script or style, which that policy would block', () => {
    for (const page of ['index.html', 'provider/index.html', 'operator/index.html']) {
      const text = readFileSync(join(webRoot, page), 'utf8');
      assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/, `${page} has an inline script`);
      assert.doesNotMatch(text, /<style|\sstyle=/, `${page} has inline style`);
    }
  });

  it('never answers an API path or a non-browser request with a page', async () => {
    for (const [url, headers] of [
      ['/v1/no-such-route', html],
      ['/no-such-file.json', { accept: 'application/json' }],
    ] as const) {
      const response = await app.inject({ method: 'GET', url, headers });
      assert.equal(response.statusCode, 404, url);
      assert.equal((response.json() as { code: string }).code, 'not_found');
    }
  });
});
