import { describe, expect, it } from 'vitest';
import { depotReaches, orderForPlanning, type PlanRequest, planSupplies } from './supply-plan.ts';

const at = (h: number) => new Date(Date.UTC(2022, 2, 20, h));
const req = (id: number, over: Partial<PlanRequest> = {}): PlanRequest => ({
  id,
  area_code: '220202001001001',
  urgency: 'normal',
  requested_at: at(id),
  items: [{ category: 'groceries', quantity: 1 }],
  ...over,
});

describe('supplies planner', () => {
  it('orders urgent before normal, then oldest, then by id', () => {
    const order = orderForPlanning([
      req(1, { requested_at: at(1) }),
      req(2, { urgency: 'urgent', requested_at: at(5) }),
      req(3, { requested_at: at(0) }),
      req(4, { urgency: 'urgent', requested_at: at(5) }),
      req(5, { urgency: 'urgent', requested_at: at(2) }),
    ]).map((r) => r.id);
    expect(order).toEqual([5, 2, 4, 3, 1]);
  });

  it('gives the scarce stock to the urgent request even when a normal one is older', () => {
    const plan = planSupplies(
      [
        req(1, { items: [{ category: 'infant', quantity: 2 }], requested_at: at(0) }),
        req(2, { urgency: 'urgent', items: [{ category: 'infant', quantity: 2 }], requested_at: at(3) }),
      ],
      [{ id: 10, area_code: '220202', stock: { infant: 3 } }],
    );
    expect(plan.deliveries).toEqual([
      { depot_id: 10, area_code: '220202001001', request_ids: [2], km: 8, packs: { infant: 2 } },
    ]);
    expect(plan.unmet).toEqual([{ id: 1, area_code: '220202001001001', short: { infant: 1 } }]);
  });

  it('takes the nearest depot that covers the whole request, and groups by depot and compound', () => {
    const depots = [
      { id: 1, area_code: '2202', stock: { groceries: 100, medicine: 100 } }, // the city's: 25 km
      { id: 2, area_code: '220202001', stock: { groceries: 2 } }, // same street: 3 km, no medicine
      { id: 3, area_code: '220202', stock: { groceries: 5, medicine: 1 } }, // same district: 8 km
    ];
    const plan = planSupplies(
      [
        req(1), // groceries 1 → street depot
        req(2, { area_code: '220202001001002' }), // same compound → street depot
        req(3, {
          items: [
            { category: 'medicine', quantity: 1 },
            { category: 'groceries', quantity: 1 },
          ],
        }), // → district depot
        req(4, { area_code: '220202001002001' }), // another compound, street depot empty now → district depot
        req(5, { items: [{ category: 'medicine', quantity: 3 }] }), // only the city has it
      ],
      depots,
    );
    expect(plan.deliveries).toEqual([
      { depot_id: 2, area_code: '220202001001', request_ids: [1, 2], km: 3, packs: { groceries: 2 } },
      {
        depot_id: 3,
        area_code: '220202001001',
        request_ids: [3],
        km: 8,
        packs: { medicine: 1, groceries: 1 },
      },
      { depot_id: 3, area_code: '220202001002', request_ids: [4], km: 8, packs: { groceries: 1 } },
      { depot_id: 1, area_code: '220202001001', request_ids: [5], km: 25, packs: { medicine: 3 } },
    ]);
    expect(plan.unmet).toEqual([]);
  });

  it('never splits a request, and keeps depots to their district; the shortfall is what the stock in reach lacks', () => {
    const plan = planSupplies(
      [
        req(1, {
          items: [
            { category: 'groceries', quantity: 3 },
            { category: 'elderly', quantity: 4 },
          ],
        }),
        req(2, { area_code: '220203001001001', items: [{ category: 'groceries', quantity: 1 }] }),
      ],
      [
        { id: 1, area_code: '220202', stock: { groceries: 5, elderly: 1 } },
        { id: 2, area_code: '220202001', stock: { elderly: 2 } },
        { id: 3, area_code: '220203', stock: {} },
      ],
    );
    expect(plan.deliveries).toEqual([]);
    expect(plan.unmet).toEqual([
      { id: 1, area_code: '220202001001001', short: { elderly: 1 } },
      { id: 2, area_code: '220203001001001', short: { groceries: 1 } },
    ]);
    expect(depotReaches('2202', '220203001')).toBe(true);
    expect(depotReaches('220202', '220203001')).toBe(false);
  });

  it('does not change the stock it was given', () => {
    const stock = { groceries: 1 };
    planSupplies([req(1)], [{ id: 1, area_code: '220202', stock }]);
    expect(stock).toEqual({ groceries: 1 });
  });
});
