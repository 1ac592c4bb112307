/**
 * A figure's name with its definition as a tooltip, from the one table every screen and the daily report read
 * (src/domain/figure-names.ts): the same name always means the same number.
 */
import { Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { type FigureKey, figureDefinition, figureName } from '../../src/domain/figure-names.ts';

export type { FigureKey };

export function useFigureLang(): 'zh' | 'en' {
  const { i18n } = useTranslation();
  return i18n.language === 'en' ? 'en' : 'zh';
}

export function FigureLabel({ k, suffix }: { k: FigureKey; suffix?: string }) {
  const lang = useFigureLang();
  return (
    <Tooltip title={figureDefinition(k, lang)}>
      <span data-figure={k} style={{ cursor: 'help', borderBottom: '1px dotted #999' }}>
        {figureName(k, lang)}
        {suffix}
      </span>
    </Tooltip>
  );
}

/** The name alone, for exports and chart labels. */
export { figureName };
