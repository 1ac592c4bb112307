/**
 * Roles and what they may do: the declarative policy. A principal is a role times a jurisdiction (an area
 * subtree); permissions say what, the jurisdiction says where (enforced in the data layer by ./scope.ts).
 */
export const ROLES = [
  'commander',
  'testing',
  'lab',
  'tracer',
  'dispatcher',
  'driver',
  'site_manager',
  'community_worker',
  'checkpoint_officer',
  'sampler',
  'viewer',
  'auditor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'area.read', // the administrative hierarchy (public data)
  'stats.read', // aggregate counts within the jurisdiction
  'person.read', // people within the jurisdiction, ID numbers and phones masked
  'person.unmask', // a person's full ID number and phone, with a reason, recorded
  'person.import', // bulk import of persons into the jurisdiction
  'audit.read', // the audit log of the jurisdiction
  'user.manage', // accounts within the jurisdiction
  'jobs.read', // the background job queue and its dead letters (no people)
  'token.manage', // API tokens within the jurisdiction
  'data.purge', // retention: anonymise closed records
  'testing.read', // rounds, coverage and clocks (aggregates) in the jurisdiction
  'testing.manage', // create and run rounds
  'testing.sample', // scans, closing tubes, packing and shipping boxes
  'testing.lab', // receiving boxes, recording results
  'task.read', // follow-up tasks (they name people) in the jurisdiction
  'tracing.read', // cases, contacts and chains in the jurisdiction
  'tracing.manage', // create and classify cases, record investigations, run tracing
  'tracing.ingest', // venue check-in and co-location feeds
  'tracing.rules', // change the contact rules (look-back window, per source and kind of venue), city-wide
  'task.complete', // mark a follow-up task done
  'isolation.read', // sites, rooms, stays and the 清仓 board in the jurisdiction
  'isolation.manage', // place, arrive, release, discharge, move, disinfect, health checks, self-report links
  'report.read', // the daily report (aggregates) of the jurisdiction
  'transfer.read', // trips and their passengers in the jurisdiction
  'transfer.manage', // plan trips, see the transfer clocks and the late list
  'transfer.drive', // the driver's steps: depart, pick up, deliver, disinfect
  'zone.read', // zones, their readiness to lift, suggestions (public notices)
  'zone.manage', // set, change and lift zones
  'leader.manage', // give leaders their patches (包保)
  'twin.run', // 推演: run simulated outbreaks to compare strategies (generated cities, no personal data)
  'pass.issue', // issue and revoke passes (通行证), set up checkpoints (卡口), see passes' checks and speed flags
  'pass.check', // check passes at a checkpoint: record checks, fetch public keys and revocations
  'medical.request', // 就医: file requests for care of people under control, follow them, the emergency clock
  'medical.dispatch', // 就医: hospitals' colours and capacities, route, vehicles, at hospital, treated, refusals
  'disinfection.manage', // set up places to disinfect (环境消杀) with their frequency and owner, take them out of service
  'disinfection.record', // see the day's due and late disinfections and the places, record a disinfection done
  'supply.request', // 保供: file supplies requests for households and compounds in zones, follow them, record handed
  'supply.dispatch', // 保供: depots and stock, the planner's proposals, confirm deliveries, dispatched, at the gate
  'forces.read', // 力量调配: workers, support teams, the day's demand, the roster board, closed loops and their tests
  'forces.plan', // 力量调配: register workers and teams, propose, edit and confirm rosters, closed loops, workers' tests
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const EVERYONE: Permission[] = ['area.read', 'stats.read', 'report.read', 'zone.read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  commander: [
    ...EVERYONE,
    'person.read',
    'person.unmask',
    'person.import',
    'testing.read',
    'testing.manage',
    'task.read',
    'tracing.read',
    'tracing.manage',
    'tracing.rules',
    'isolation.read',
    'isolation.manage',
    'task.complete',
    'transfer.read',
    'transfer.manage',
    'zone.manage',
    'leader.manage',
    'twin.run',
    'pass.issue',
    'pass.check',
    'medical.request',
    'medical.dispatch',
    'supply.request',
    'supply.dispatch',
    'disinfection.manage',
    'disinfection.record',
    'forces.read',
    'forces.plan',
  ],
  testing: [
    ...EVERYONE,
    'person.read',
    'testing.read',
    'testing.manage',
    'testing.sample',
    'testing.lab',
    'task.read',
    'task.complete',
    'forces.read',
  ],
  lab: [...EVERYONE, 'testing.read', 'testing.lab'],
  tracer: [
    ...EVERYONE,
    'person.read',
    'person.unmask',
    'task.read',
    'tracing.read',
    'tracing.manage',
    'tracing.ingest',
  ],
  dispatcher: [
    ...EVERYONE,
    'person.read',
    'person.unmask',
    'isolation.read',
    'isolation.manage',
    'transfer.read',
    'transfer.manage',
    'transfer.drive',
    'pass.issue',
    'pass.check',
    'medical.request',
    'medical.dispatch',
    'supply.request',
    'supply.dispatch',
    'forces.read',
    'forces.plan',
  ],
  driver: [...EVERYONE, 'person.read', 'transfer.read', 'transfer.drive'],
  site_manager: [
    ...EVERYONE,
    'person.read',
    'person.unmask',
    'isolation.read',
    'isolation.manage',
    'task.read',
    'task.complete',
    'medical.request',
    'disinfection.record',
    'forces.read',
    'forces.plan',
  ],
  community_worker: [
    ...EVERYONE,
    'person.read',
    'person.unmask',
    'person.import',
    'testing.read',
    'task.read',
    'pass.check',
    'medical.request',
    'supply.request',
    'disinfection.manage',
    'disinfection.record',
    'forces.read',
  ],
  // Checks passes at a checkpoint (卡口), often police or volunteers: reads no people.
  checkpoint_officer: [...EVERYONE, 'pass.check'],
  sampler: [...EVERYONE, 'person.read', 'testing.read', 'testing.sample'],
  viewer: [...EVERYONE, 'testing.read', 'isolation.read'],
  auditor: [...EVERYONE, 'audit.read'],
  // The administrator manages accounts and retention; reading people is not part of the job.
  admin: [
    ...EVERYONE,
    'user.manage',
    'token.manage',
    'audit.read',
    'data.purge',
    'leader.manage',
    'jobs.read',
  ],
};

export const ROLE_LABELS: Record<Role, string> = {
  commander: '指挥长',
  testing: '核酸检测组',
  lab: '检测机构',
  tracer: '流调人员',
  dispatcher: '转运调度',
  driver: '转运司机',
  site_manager: '隔离点管理员',
  community_worker: '社区工作者',
  checkpoint_officer: '卡口核验员',
  sampler: '采样人员',
  viewer: '只读用户',
  auditor: '审计员',
  admin: '系统管理员',
};

export function isRole(x: string): x is Role {
  return (ROLES as readonly string[]).includes(x);
}

export function permissionsOf(role: Role): readonly Permission[] {
  return ROLE_PERMISSIONS[role];
}
