/** What the parts of the sampler screen share: the task, kept in this browser per user, and the large type. */

export interface Task {
  roundId: number;
  roundName: string;
  pointId: number;
  pointName: string;
  poolSize: number;
}

function taskStorageKey(user: string): string {
  return `qingcang.sampler.task:${user}`;
}

export function loadTask(user: string): Task | null {
  try {
    const raw = localStorage.getItem(taskStorageKey(user));
    return raw ? (JSON.parse(raw) as Task) : null;
  } catch {
    return null;
  }
}

export function saveTask(user: string, task: Task | null): void {
  try {
    if (task) localStorage.setItem(taskStorageKey(user), JSON.stringify(task));
    else localStorage.removeItem(taskStorageKey(user));
  } catch {
    // private mode: the task lasts for this page only
  }
}

export const big = { fontSize: 20, fontWeight: 600 } as const;
