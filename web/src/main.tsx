import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n.ts';

// Three apps, each its own chunk: the sampler's phone app at /sampler (no charts to download on a phone), the
// personal health self-report page at /self-report/<secret> (no login), the command platform everywhere else.
const SamplerApp = lazy(() => import('./sampler/SamplerApp.tsx'));
const SelfReportApp = lazy(() => import('./self-report/SelfReportApp.tsx'));
const App = lazy(() => import('./App.tsx').then((m) => ({ default: m.App })));

const isSampler = /^\/sampler(\/|$)/.test(window.location.pathname);
const isSelfReport = /^\/self-report\/[^/]+\/?$/.test(window.location.pathname);

// The phone app opens and reloads without a network: its service worker (web/public/sw.js) keeps the shell and
// the built assets. Only for /sampler, and only in a build (the dev server serves unhashed modules).
if (isSampler && import.meta.env.PROD && 'serviceWorker' in navigator)
  navigator.serviceWorker
    .register('/sw.js', { scope: '/sampler' })
    .catch((err: unknown) => console.warn('service worker not registered', err));

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <Suspense fallback={null}>
        {isSampler ? <SamplerApp /> : isSelfReport ? <SelfReportApp /> : <App />}
      </Suspense>
    </StrictMode>,
  );
