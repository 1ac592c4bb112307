import { describe, expect, it } from 'vitest';
import { stageClocks } from './stage-clocks.ts';

const round = { starts_at: new Date('2022-03-14T00:00:00Z'), deadline_at: new Date('2022-03-15T00:00:00Z') };
const counts = {
  residents: 100,
  sampled: 100,
  tubes: 5,
  tubes_closed: 5,
  tubes_received: 3,
  tubes_resulted: 1,
};

describe('stage clocks', () => {
  it('lays the stages end to end and tells done, on time and late', () => {
    const at15 = stageClocks(round, counts, new Date('2022-03-14T15:00:00Z'));
    expect(at15.map((s) => [s.stage, s.status, s.due_at.toISOString().slice(11, 16)])).toEqual([
      ['collect', 'done', '12:00'],
      ['transport', 'on_time', '16:00'],
      ['test', 'on_time', '22:00'],
      ['report', 'on_time', '00:00'],
    ]);
    const at17 = stageClocks(round, counts, new Date('2022-03-14T17:00:00Z'));
    expect(at17[1]).toMatchObject({ stage: 'transport', done: 3, total: 5, status: 'late' });
  });

  it('calls an empty stage past its due time late, not done', () => {
    const none = {
      residents: 10,
      sampled: 0,
      tubes: 0,
      tubes_closed: 0,
      tubes_received: 0,
      tubes_resulted: 0,
    };
    expect(stageClocks(round, none, new Date('2022-03-14T13:00:00Z'))[0]?.status).toBe('late');
  });
});
