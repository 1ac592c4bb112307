/**
 * A decision's reason in the reader's language: the phrase the engine wrote (src/domain/phrase.ts, the same
 * table on both sides), with areas by name; the API's English text only for rows written before phrases existed.
 */
import { type Phrase, renderPhrase } from '../../src/domain/phrase.ts';
import { areaName } from './area-names.ts';
import { beijingDateTime } from './beijing-time.ts';
import i18n from './i18n.ts';

export type { Phrase };

export function reasonText(
  phrase: Phrase | readonly Phrase[] | null | undefined,
  english: string | null | undefined,
): string {
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  // Times read as every other time on the screen (the tables' short Beijing date and time).
  if (phrase)
    return renderPhrase(phrase, lang, { area: areaName, time: (iso) => beijingDateTime(iso, lang) });
  return english ?? '';
}
