import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n.ts';

// Two apps, each its own chunk: the sampler's phone app at /sampler (no charts to download on a phone), the
// command platform everywhere else.
const SamplerApp = lazy(() => import('./sampler/SamplerApp.tsx'));
const App = lazy(() => import('./App.tsx').then((m) => ({ default: m.App })));

const isSampler = /^\/sampler(\/|$)/.test(window.location.pathname);

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <Suspense fallback={null}>{isSampler ? <SamplerApp /> : <App />}</Suspense>
    </StrictMode>,
  );
