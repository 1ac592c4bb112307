import { describe, expect, it } from 'vitest';
import { english, PHRASE_KEYS, phrase, phraseTemplate, renderPhrase } from './phrase.ts';

const names = (template: string) => new Set([...template.matchAll(/\{(\w+)/g)].map((m) => m[1]));

describe('phrases', () => {
  it('has Chinese for every key: no Latin letter outside the parameters, and no parameter English lacks', () => {
    for (const k of PHRASE_KEYS) {
      const zh = phraseTemplate(k, 'zh');
      expect(zh.replace(/\{\w+\}/g, ''), k).not.toMatch(/[A-Za-z]/);
      expect(zh, k).not.toMatch(/\{\w+:/); // plurals are English only
      // API responses pass through snakeKeys: a camelCase parameter name would be renamed on the way.
      expect(phraseTemplate(k, 'en'), k).not.toMatch(/\{\w*[A-Z]/);
      const en = names(phraseTemplate(k, 'en'));
      for (const n of names(zh)) expect(en.has(n), `${k}: {${n}}`).toBe(true);
    }
  });

  it('renders nested phrases, lists, areas and English plurals', () => {
    const p = phrase('pl.wait_shelter', {
      need: phrase('pl.need', { sev: phrase('sev.mild') }),
      n: 1,
      sev: phrase('sev.mild'),
    });
    expect(english(p)).toBe('mild case: no free shelter-hospital bed (1 mild case waiting)');
    expect(english({ ...p, p: { ...p.p, n: 3 } })).toBe(
      'mild case: no free shelter-hospital bed (3 mild cases waiting)',
    );
    expect(renderPhrase(p, 'zh')).toBe('轻型病例：方舱医院无空床（1 名轻型病例等待）');
    const who = [phrase('pl.vul_child', { age: 6 }), phrase('pl.vul_elderly', { age: 72 })];
    const head = phrase('pl.family_head', { cat: phrase('cat.close'), n: 3, who });
    expect(english(head)).toBe('close contact, household of 3 with a child (6) and an elderly member (72)');
    expect(renderPhrase(head, 'zh')).toBe('密切接触者，同户 3 人，含儿童（6 岁）、老人（72 岁）');
    const trip = phrase('dp.head_ambulance', { kind: phrase('vk.ambulance'), plate: '吉B1' });
    const parts = [trip, phrase('dp.then_disinfect', { min: 30 })];
    expect(english(parts)).toBe('severe case alone in ambulance 吉B1; then 30 min disinfection');
    expect(renderPhrase(parts, 'zh')).toBe('重症病例单独乘坐救护车 吉B1；随后车辆消毒 30 分钟');
    const streets = phrase('dp.alt_none', {
      who: phrase('dp.who_case'),
      site: { area: '220202001' },
      size: 2,
    });
    expect(renderPhrase(streets, 'zh', { area: (c) => (c === '220202001' ? '东局子街道' : c) })).toBe(
      '前往东局子街道的已排病例车次均无 2 个空座',
    );
    expect(english(streets)).toBe('no planned case trip to 220202001 has 2 free seat(s)');
  });

  it("writes times in Beijing time, or as the reader's screen writes them", () => {
    const p = phrase('zn.last_case', { at: { at: '2022-03-21T04:00:00.000Z' } });
    expect(renderPhrase(p, 'zh')).toContain('2022-03-21 12:00');
    expect(renderPhrase(p, 'zh', { time: (iso) => `<${iso.slice(0, 10)}>` })).toContain('<2022-03-21>');
    // Not a time: shown as written, not passed on.
    expect(renderPhrase(phrase('zn.last_case', { at: { at: 'soon' } }), 'zh', { time: () => 'x' })).toContain(
      'soon',
    );
  });

  it('shows an unknown key (from a newer server) rather than nothing', () => {
    expect(renderPhrase({ k: 'zz.new' as never }, 'zh')).toBe('zz.new');
  });
});
