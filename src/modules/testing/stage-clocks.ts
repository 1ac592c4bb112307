/**
 * The four clocks of a round (采、送、检、报) for one area: how far each stage has got, when it is due, and whether
 * it is done, on time or late. Due times come from the planner's stage budgets laid end to end from the start
 * (collect 12 h, transport +4 h, test +6 h, report at the deadline).
 */
import { DEFAULT_STAGE_BUDGETS, type StageBudgets } from './planner.ts';

export type StageName = 'collect' | 'transport' | 'test' | 'report';

export interface StageClock {
  stage: StageName;
  done: number;
  total: number;
  due_at: Date;
  status: 'done' | 'on_time' | 'late';
}

export interface StageCounts {
  residents: number;
  sampled: number;
  tubes: number;
  tubes_closed: number;
  tubes_received: number;
  tubes_resulted: number;
}

export function stageClocks(
  round: { starts_at: Date; deadline_at: Date },
  c: StageCounts,
  now: Date,
  budgets: StageBudgets = DEFAULT_STAGE_BUDGETS,
): StageClock[] {
  const h = (n: number) => new Date(round.starts_at.getTime() + n * 3600_000);
  const stages: [StageName, number, number, Date][] = [
    ['collect', c.sampled, c.residents, h(budgets.collectHours)],
    ['transport', c.tubes_received, c.tubes_closed, h(budgets.collectHours + budgets.transportHours)],
    [
      'test',
      c.tubes_resulted,
      c.tubes_received,
      h(budgets.collectHours + budgets.transportHours + budgets.testHours),
    ],
    ['report', c.tubes_resulted, c.tubes, round.deadline_at],
  ];
  return stages.map(([stage, done, total, due]) => ({
    stage,
    done,
    total,
    due_at: due,
    status: total > 0 && done >= total ? 'done' : now.getTime() > due.getTime() ? 'late' : 'on_time',
  }));
}
