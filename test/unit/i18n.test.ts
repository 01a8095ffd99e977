import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { en, format, initialLang, zh } from '../../client/dashboard/i18n.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  it('every key has a non-empty English and Chinese text', () => {
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      assert.ok(text.trim().length > 0, `en.${key} is empty`);
      assert.ok((zh[key as keyof typeof en] ?? '').trim().length > 0, `zh.${key} is empty`);
    }
  });

  it('both languages use the same placeholders', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      assert.deepEqual(placeholders(zh[key]), placeholders(en[key]), key);
    }
  });

  it('defaults from the browser and remembers the choice', () => {
    assert.equal(initialLang(null, 'zh-CN'), 'zh');
    assert.equal(initialLang(null, 'en-US'), 'en');
    assert.equal(initialLang('en', 'zh-TW'), 'en');
    assert.equal(initialLang('xx', undefined), 'en');
  });

  it('fills placeholders and leaves unknown ones', () => {
    assert.equal(format('#{seq} {x}', { seq: 3 }), '#3 {x}');
  });
});
