/**
 * What the parts of 生活物资保供 share: the categories, the page size, a required field, the colours of the
 * steps and the packs in words.
 */
import { useTranslation } from 'react-i18next';
import { RequiredItem, type RequiredProps } from '../forms.tsx';

export const CATEGORIES = ['groceries', 'medicine', 'infant', 'elderly', 'other'] as const;

/** Rows of a list page (keyset pages: the whole list through the pages and the export). */
export const PAGE = 50;
export const Required = (p: RequiredProps) => <RequiredItem message="supplies.form.required" {...p} />;

export const STATUS_TAG: Record<string, string> = {
  open: 'default',
  planned: 'blue',
  dispatched: 'geekblue',
  at_gate: 'purple',
  handed: 'green',
};

/** Packs per category in words: 「生活物资 2份、药品 1份」. */
export function usePacks() {
  const { t } = useTranslation();
  return (packs: Partial<Record<string, number>>) =>
    Object.entries(packs)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([c, n]) => `${t(`supplies.category.${c}`)} ${t('supplies.pack', { n })}`)
      .join('、');
}
