/**
 * HTTP API of the dashboard (指挥大屏): KPIs, per-area figures, daily series and the 清仓 funnel of any area in
 * the caller's jurisdiction, answered from the in-memory snapshot (dashboard.ts): no query per request.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AreaCode } from '../../lib/area-code.ts';
import { AppError } from '../../lib/errors.ts';
import { principalOf } from '../../server/auth.ts';
import { DashboardStore, type Figures, funnel, type Snapshot } from './dashboard.ts';

/** What every dashboard answer starts with: the area, and when and how fast its snapshot was computed. */
export interface DashboardHead {
  area: { code: string; name: string | null };
  computed_at: Date;
  refresh_ms: number;
}

/** One child area of GET /dashboard/areas with its figures. */
export interface DashboardAreaFigures {
  code: string;
  name: string | null;
  figures: Figures;
}

export const dashboardRoutes: FastifyPluginAsync<{ db: Db; clock: Clock; store?: DashboardStore }> = async (
  app,
  { db, clock, store: given },
) => {
  const store = given ?? new DashboardStore(db, clock);
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** The area asked for (default: the jurisdiction), refused outside the jurisdiction. */
  function areaOf(jurisdiction: string, area: string | undefined): string {
    const a = area ?? jurisdiction;
    if (!a.startsWith(jurisdiction))
      throw new AppError(
        403,
        'out_of_jurisdiction',
        `area ${a} is outside your jurisdiction ${jurisdiction}`,
      );
    return a;
  }
  const head = (s: Snapshot, area: string): DashboardHead => ({
    area: { code: area, name: s.names.get(area) ?? null },
    computed_at: s.computedAt,
    refresh_ms: s.tookMs,
  });
  const figuresOf = (s: Snapshot, area: string): Figures => s.figures.get(area) ?? {};
  const query = z.object({ area: AreaCode.optional() });

  r.get(
    '/dashboard/kpis',
    {
      config: { permission: 'stats.read' },
      schema: {
        tags: ['dashboard'],
        summary: 'Every figure of an area of my jurisdiction (default: all of it), as of the last refresh',
        querystring: query,
      },
    },
    async (req) => {
      const area = areaOf(principalOf(req).jurisdiction, req.query.area);
      const s = await store.get();
      return { ...head(s, area), figures: figuresOf(s, area) };
    },
  );

  r.get(
    '/dashboard/areas',
    {
      config: { permission: 'stats.read' },
      schema: {
        tags: ['dashboard'],
        summary:
          'The figures of each child area of an area of my jurisdiction (for the map and the area table)',
        querystring: z.object({ parent: AreaCode.optional() }),
      },
    },
    async (req) => {
      const parent = areaOf(principalOf(req).jurisdiction, req.query.parent);
      const s = await store.get();
      const items: DashboardAreaFigures[] = (s.children.get(parent) ?? []).map((code) => ({
        code,
        name: s.names.get(code) ?? null,
        figures: figuresOf(s, code),
      }));
      return { ...head(s, parent), items };
    },
  );

  r.get(
    '/dashboard/series',
    {
      config: { permission: 'stats.read' },
      schema: {
        tags: ['dashboard'],
        summary:
          'Daily figures (Beijing days) of an area of my jurisdiction, the last N days, zero days included',
        querystring: query.extend({ days: z.coerce.number().int().min(1).max(30).default(14) }),
      },
    },
    async (req) => {
      const area = areaOf(principalOf(req).jurisdiction, req.query.area);
      const s = await store.get();
      const byDay = new Map((s.series.get(area) ?? []).map((d) => [d.day, d.figures]));
      const last = new Date(clock.now().getTime() + 8 * 3600_000);
      const items: { day: string; figures: Figures }[] = [];
      for (let i = req.query.days - 1; i >= 0; i--) {
        const d = new Date(last.getTime() - i * 86_400_000).toISOString().slice(0, 10);
        items.push({ day: d, figures: byDay.get(d) ?? {} });
      }
      return { ...head(s, area), items };
    },
  );

  r.get(
    '/dashboard/funnel',
    {
      config: { permission: 'stats.read' },
      schema: {
        tags: ['dashboard'],
        summary:
          'The 清仓 funnel of an area: found → placed → isolated → released → room freed, today and now, with its clocks',
        querystring: query,
      },
    },
    async (req) => {
      const area = areaOf(principalOf(req).jurisdiction, req.query.area);
      const s = await store.get();
      return { ...head(s, area), ...funnel(figuresOf(s, area)) };
    },
  );
};
