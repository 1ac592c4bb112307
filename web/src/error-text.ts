/** A failed request in words, for every app of the web client (desk pages, sampler, self-report). */
import { ApiError } from './api.ts';
import i18n from './i18n.ts';
import { type Phrase, reasonText } from './reason-text.ts';

/**
 * A failed request in the reader's language. In Chinese: the code's words from `errors.*` (never the API's
 * English sentence or the bare code), then one line per detail it gave: the lifting checks not met, or the fields
 * that failed validation. In English: the API's own message, which names the records involved.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  const t = i18n.t.bind(i18n);
  const zh = i18n.language !== 'en';
  const lines = [zh ? t(`errors.${err.code}`, { defaultValue: err.message }) : err.message];
  if (Array.isArray(err.details))
    for (const d of err.details as {
      rule?: string;
      ok?: boolean;
      detail?: string;
      phrase?: Phrase;
      path?: string;
      message?: string;
    }[]) {
      if (d.rule !== undefined && d.ok === false)
        lines.push(
          `· ${t(`rule.${d.rule}`, { defaultValue: d.rule })}${zh ? '：' : ': '}${reasonText(d.phrase, d.detail)}`,
        );
      else if (d.path !== undefined)
        lines.push(`· ${zh ? t('errors.field', { path: d.path || '/' }) : `${d.path}: ${d.message ?? ''}`}`);
    }
  else if (err.details && typeof (err.details as { line?: unknown }).line === 'number') {
    const line = (err.details as { line: number }).line;
    lines.push(`· ${zh ? t('errors.line', { line }) : `line ${line}`}`);
  }
  return lines.join('\n');
}
