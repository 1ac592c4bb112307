/** Chinese by default, English on request; the choice is kept in localStorage. */
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { adminEn, adminZh } from './i18n/admin.ts';
import { commandEn, commandZh } from './i18n/command.ts';
import { dashboardEn, dashboardZh } from './i18n/dashboard.ts';
import { disinfectionEn, disinfectionZh } from './i18n/disinfection.ts';
import { errorsZh } from './i18n/errors.ts';
import { forcesEn, forcesZh } from './i18n/forces.ts';
import { isolationEn, isolationZh } from './i18n/isolation.ts';
import { labEn, labZh } from './i18n/lab.ts';
import { medicalEn, medicalZh } from './i18n/medical.ts';
import { passesEn, passesZh } from './i18n/passes.ts';
import { peopleEn, peopleZh } from './i18n/people.ts';
import { reportEn, reportZh } from './i18n/report.ts';
import { shellEn, shellZh } from './i18n/shell.ts';
import { sitesEn, sitesZh } from './i18n/sites.ts';
import { suppliesEn, suppliesZh } from './i18n/supplies.ts';
import { testingEn, testingZh } from './i18n/testing.ts';
import { tracingEn, tracingZh } from './i18n/tracing.ts';
import { transferEn, transferZh } from './i18n/transfer.ts';
import { twinEn, twinZh } from './i18n/twin.ts';

/** The Chinese words, page by page or area by area (./i18n/); the API's error codes are added below. */
const zh = {
  ...shellZh,
  ...dashboardZh,
  ...peopleZh,
  ...testingZh,
  ...tracingZh,
  ...isolationZh,
  ...transferZh,
  ...commandZh,
  ...reportZh,
  admin: adminZh,
  sites: sitesZh,
  twin: twinZh,
  passes: passesZh,
  medical: medicalZh,
  forces: forcesZh,
  lab: labZh,
  disinfection: disinfectionZh,
  supplies: suppliesZh,
};

/** The English words: every key of the Chinese, checked by the type. */
const en: typeof zh = {
  ...shellEn,
  ...dashboardEn,
  ...peopleEn,
  ...testingEn,
  ...tracingEn,
  ...isolationEn,
  ...transferEn,
  ...commandEn,
  ...reportEn,
  admin: adminEn,
  sites: sitesEn,
  twin: twinEn,
  passes: passesEn,
  medical: medicalEn,
  forces: forcesEn,
  lab: labEn,
  disinfection: disinfectionEn,
  supplies: suppliesEn,
};

export type Language = 'zh-CN' | 'en';
const STORAGE_KEY = 'qingcang.lang';

function initialLanguage(): Language {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

void i18n.use(initReactI18next).init({
  resources: {
    'zh-CN': {
      translation: { ...zh, errors: errorsZh },
    },
    en: {
      translation: en,
    },
  },
  lng: initialLanguage(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
});

export function setLanguage(lang: Language): void {
  void i18n.changeLanguage(lang);
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

/**
 * The date pickers' month and weekday names come from dayjs's locale, not antd's: without this a Chinese page's
 * calendar read "Su Mo Tu … Dec".
 */
function pickerLocale(lang: string): void {
  dayjs.locale(lang === 'en' ? 'en' : 'zh-cn');
}
i18n.on('languageChanged', pickerLocale);
pickerLocale(i18n.language);

document.documentElement.lang = i18n.language;

export default i18n;
