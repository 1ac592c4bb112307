import { beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../../db/testing.ts';
import { ManualClock } from '../../domain/clock.ts';
import { UNSCOPED } from '../access/scope.ts';
import { seedCity } from '../registry/seed-city.ts';
import { ingestCheckins, ingestColocations } from './ingest.ts';
import {
  dropExpiredFeedPartitions,
  ensureFeedPartitions,
  feedPartitions,
  feedRetentionDays,
} from './partitions.ts';

const at = (s: string) => new Date(s);

describeBackends('tracing feeds partitioned by day', (ctx) => {
  const clock = new ManualClock('2022-03-16T12:00:00+08:00');
  let person = 0;
  let venue = '';
  /** The partition each check-in of the person is stored in, by its time. */
  const whereCheckins = async () =>
    (
      await ctx.db.query<{ at: Date; part: string }>(
        'SELECT at, tableoid::regclass::text AS part FROM checkins WHERE person_id = $1 ORDER BY at',
        [person],
      )
    ).rows.map((r) => [r.at.toISOString(), r.part]);

  beforeAll(async () => {
    await seedCity(ctx.db, { city: '2202', people: 300, seed: 3, clock });
    const p = await ctx.db.query<{ id: number }>('SELECT id FROM persons ORDER BY id LIMIT 1');
    const v = await ctx.db.query<{ venue_code: string }>('SELECT venue_code FROM venues ORDER BY id LIMIT 1');
    person = Number(p.rows[0]?.id);
    venue = v.rows[0]?.venue_code ?? '';
  });

  it('keeps rows of a day without its partition in the default one, and moves them when the day is created', async () => {
    expect((await feedPartitions(ctx.db)).map((p) => p.name)).toEqual([
      'checkins_default',
      'colocations_default',
    ]);
    const checkins = [
      { personId: person, venueCode: venue, at: at('2022-03-14T23:59:59+08:00') },
      { personId: person, venueCode: venue, at: at('2022-03-15T00:00:00+08:00') }, // the next Beijing day
    ];
    await ctx.db.transaction((tx) => ingestCheckins(tx, clock, checkins, UNSCOPED));
    await ctx.db.transaction((tx) =>
      ingestColocations(
        tx,
        clock,
        [
          {
            personId: person,
            cellId: 'cell-7',
            startsAt: at('2022-03-15T08:00:00+08:00'),
            endsAt: at('2022-03-15T09:00:00+08:00'),
          },
        ],
        UNSCOPED,
      ),
    );
    expect((await whereCheckins()).map((r) => r[1])).toEqual(['checkins_default', 'checkins_default']);

    // The days around 16 March: 14 to 18 (two back, two ahead), both feeds.
    expect(await ensureFeedPartitions(ctx.db, clock.now(), { back: 2, ahead: 2 })).toBe(10);
    expect(await ensureFeedPartitions(ctx.db, clock.now(), { back: 2, ahead: 2 })).toBe(0);
    expect(await whereCheckins()).toEqual([
      ['2022-03-14T15:59:59.000Z', 'checkins_20220314'],
      ['2022-03-14T16:00:00.000Z', 'checkins_20220315'],
    ]);
    const co = await ctx.db.query<{ part: string }>(
      'SELECT tableoid::regclass::text AS part FROM colocations WHERE person_id = $1',
      [person],
    );
    expect(co.rows.map((r) => r.part)).toEqual(['colocations_20220315']);
    const parts = await feedPartitions(ctx.db);
    expect(parts.filter((p) => p.feed === 'checkins').map((p) => p.day)).toEqual([
      '2022-03-14',
      '2022-03-15',
      '2022-03-16',
      '2022-03-17',
      '2022-03-18',
      null,
    ]);
  });

  it('still refuses a resent check-in twice across partitions, and reads a window across days', async () => {
    const again = [{ personId: person, venueCode: venue, at: at('2022-03-15T00:00:00+08:00') }];
    const out = await ctx.db.transaction((tx) => ingestCheckins(tx, clock, again, UNSCOPED));
    expect(out).toEqual([{ index: 0, status: 'duplicate' }]);
    const fresh = [{ personId: person, venueCode: venue, at: at('2022-03-16T10:00:00+08:00') }];
    expect(await ctx.db.transaction((tx) => ingestCheckins(tx, clock, fresh, UNSCOPED))).toEqual([
      { index: 0, status: 'accepted' },
    ]);
    const { rows } = await ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM checkins WHERE person_id = $1 AND at BETWEEN $2 AND $3',
      [person, at('2022-03-14T00:00:00+08:00'), at('2022-03-17T00:00:00+08:00')],
    );
    expect(rows[0]?.n).toBe(3);
  });

  it('drops the days past retention whole, and the default partition rows past it', async () => {
    // A late feed of 1 March lands in the default partition.
    const late = [{ personId: person, venueCode: venue, at: at('2022-03-01T10:00:00+08:00') }];
    await ctx.db.transaction((tx) => ingestCheckins(tx, clock, late, UNSCOPED));
    // 30 days kept on 15 April: from 16 March on.
    const r = await dropExpiredFeedPartitions(ctx.db, at('2022-04-15T12:00:00+08:00'), 30);
    expect(r.dropped.sort()).toEqual([
      'checkins_20220314',
      'checkins_20220315',
      'colocations_20220314',
      'colocations_20220315',
    ]);
    expect(r.deleted).toBe(1);
    expect(await whereCheckins()).toEqual([['2022-03-16T02:00:00.000Z', 'checkins_20220316']]);
    expect((await ctx.db.query('SELECT 1 FROM colocations WHERE person_id = $1', [person])).rows).toEqual([]);
  });
});

it('reads the feeds’ retention: unset keeps everything, fewer than 14 days is refused', () => {
  expect(feedRetentionDays({})).toBeUndefined();
  expect(feedRetentionDays({ QINGCANG_FEED_RETENTION_DAYS: '28' })).toBe(28);
  for (const bad of ['7', 'x', '30.5', '0'])
    expect(() => feedRetentionDays({ QINGCANG_FEED_RETENTION_DAYS: bad })).toThrow(
      /QINGCANG_FEED_RETENTION_DAYS/,
    );
});
