/** Builds the web app into web/dist, which the server serves at / (src/server/static.ts). */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

interface ChunkLike {
  type: 'chunk';
  fileName: string;
  isEntry: boolean;
  imports: string[];
  dynamicImports: string[];
  moduleIds: readonly string[];
  viteMetadata?: { importedCss?: Set<string>; importedAssets?: Set<string> };
}

/**
 * Writes into dist/sw.js (from web/public/sw.js) the files the sampler's phone app needs to start without a
 * network: the entry and what it imports, the sampler's chunk and everything it imports, also lazily (the
 * camera scanner), and their CSS; and a build id from that list, so a new build installs a new worker.
 */
function samplerServiceWorker(): Plugin {
  let outDir = '';
  return {
    name: 'qingcang-sampler-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    writeBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((c) => c.type === 'chunk') as unknown as ChunkLike[];
      const byFile = new Map(chunks.map((c) => [c.fileName, c]));
      const ownedBySampler = (c: ChunkLike) => c.moduleIds.some((id) => id.includes('/web/src/sampler/'));
      const files = new Set<string>();
      const visit = (fileName: string) => {
        if (files.has(fileName)) return;
        files.add(fileName);
        const c = byFile.get(fileName);
        if (!c) return;
        for (const css of c.viteMetadata?.importedCss ?? []) files.add(css);
        for (const asset of c.viteMetadata?.importedAssets ?? []) files.add(asset);
        for (const i of c.imports) visit(i);
        // Lazy imports only from the sampler's own code: the entry also lazily imports the command platform.
        if (ownedBySampler(c)) for (const i of c.dynamicImports) visit(i);
      };
      for (const c of chunks) if (c.isEntry) visit(c.fileName);
      const sampler = chunks.find((c) =>
        c.moduleIds.some((id) => id.endsWith('/web/src/sampler/SamplerApp.tsx')),
      );
      if (!sampler) throw new Error('sampler service worker: no chunk holds web/src/sampler/SamplerApp.tsx');
      visit(sampler.fileName);
      const list = [...files].sort().map((f) => `/${f}`);
      list.push('/favicon.svg');
      const build = createHash('sha256').update(list.join('\n')).digest('hex').slice(0, 12);
      const path = join(outDir, 'sw.js');
      const source = readFileSync(path, 'utf8');
      const marks = ["const BUILD = 'dev';", 'const PRECACHE = [];'];
      for (const m of marks)
        if (!source.includes(m)) throw new Error(`sampler service worker: "${m}" not found in ${path}`);
      writeFileSync(
        path,
        source
          .replace(marks[0] as string, `const BUILD = '${build}';`)
          .replace(marks[1] as string, `const PRECACHE = ${JSON.stringify(list)};`),
      );
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react(), samplerServiceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev:web` against `npm start` on :3000.
    proxy: { '/api': 'http://localhost:3000' },
  },
});
