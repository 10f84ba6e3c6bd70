// Ensures the web faces are complete in both languages: every namespace has exactly the same keys in Japanese and
// in English, none of them empty; every key the sources name (`'namespace:key'` literals, and the prefixes of
// keys built at run time) exists; and every error code of the platform and of the card agent has its sentence in
// both languages. How: reads web/src/locales and web/src as text, so a key added in one language only, or used
// and never written, fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cardAgentErrorCodes } from '../../src/domain/card-agent.js';
import { errorCodes } from '../../src/domain/errors.js';

const localesDir = join('web', 'src', 'locales');
const languages = ['ja', 'en'] as const;
type Tree = { [key: string]: string | Tree };

function namespacesOf(language: string): Map<string, Tree> {
  return new Map(
    readdirSync(join(localesDir, language))
      .filter((file) => file.endsWith('.json'))
      .map((file) => [file.slice(0, -'.json'.length), JSON.parse(readFileSync(join(localesDir, language, file), 'utf8')) as Tree]),
  );
}

/** Every leaf key of a namespace as `namespace:a.b.c`, with its text. */
function leaves(namespace: string, tree: Tree, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'string') found.set(`${namespace}:${path}`, value);
    else for (const [leaf, text] of leaves(namespace, value, path)) found.set(leaf, text);
  }
  return found;
}

function allKeys(language: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [namespace, tree] of namespacesOf(language)) for (const [key, text] of leaves(namespace, tree)) keys.set(key, text);
  return keys;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

const namespaces = [...namespacesOf('en').keys()];
const keyPattern = new RegExp(`['"\`]((?:${namespaces.join('|')}):[A-Za-z0-9_.-]+)(\\.?\\$\\{)?`, 'g');

describe('the web faces in Japanese and English', () => {
  const keys = { ja: allKeys('ja'), en: allKeys('en') };

  it('have the same namespaces and the same keys in both languages, none empty', () => {
    assert.deepStrictEqual([...namespacesOf('ja').keys()].sort(), [...namespacesOf('en').keys()].sort());
    assert.deepStrictEqual([...keys.ja.keys()].filter((key) => !keys.en.has(key)), [], 'keys only in Japanese');
    assert.deepStrictEqual([...keys.en.keys()].filter((key) => !keys.ja.has(key)), [], 'keys only in English');
    for (const language of languages) {
      assert.deepStrictEqual([...keys[language]].filter(([, text]) => text.trim() === '').map(([key]) => key), [], `empty texts in ${language}`);
    }
  });

  it('have every key the sources use', () => {
    const missing: string[] = [];
    for (const file of sourceFiles(join('web', 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(keyPattern)) {
        const key = match[1]!;
        // Prose in a comment (`errors:api.<code>`) names no key.
        if (match[2] === undefined && key.endsWith('.')) continue;
        // A key built at run time (`portal:signedOut.${reason}`): its prefix must be a group of keys.
        const exists = match[2] !== undefined ? [...keys.en.keys()].some((known) => known.startsWith(`${key.replace(/\.$/, '')}.`)) : keys.en.has(key);
        if (!exists) missing.push(`${key}${match[2] === undefined ? '' : '…'} (${file})`);
      }
    }
    assert.deepStrictEqual(missing, []);
  });

  it('say what to do for every error code of the platform', () => {
    for (const language of languages) {
      const missing = Object.keys(errorCodes).filter((code) => !keys[language].has(`errors:api.${code}`));
      assert.deepStrictEqual(missing, [], `error codes without a ${language} sentence`);
    }
  });

  it('say what to do for every error code of the card agent, none of them also a platform code', () => {
    assert.deepStrictEqual(Object.keys(cardAgentErrorCodes).filter((code) => code in errorCodes), [], 'the portal looks platform codes up first');
    for (const language of languages) {
      const missing = Object.keys(cardAgentErrorCodes).filter((code) => !keys[language].has(`errors:agent.${code}`));
      assert.deepStrictEqual(missing, [], `card agent codes without a ${language} sentence`);
    }
  });
});
