/**
 * A decision's reason in the reader's language: the phrase the engine wrote (src/domain/phrase.ts, the same
 * table on both sides), with areas by name; the API's English text only for rows written before phrases existed.
 */
import { type Phrase, renderPhrase } from '../../src/domain/phrase.ts';
import { areaName } from './area-names.ts';
import i18n from './i18n.ts';

export type { Phrase };

export function reasonText(
  phrase: Phrase | readonly Phrase[] | null | undefined,
  english: string | null | undefined,
): string {
  if (phrase) return renderPhrase(phrase, i18n.language === 'en' ? 'en' : 'zh', { area: areaName });
  return english ?? '';
}
