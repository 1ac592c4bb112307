/** What the parts of 力量调配 share: a worker's name masked. */

/** A worker's name masked (王*明, 王*): the page names people only as far as the work needs. */
export function maskName(name: string): string {
  const c = [...name];
  if (c.length <= 1) return name;
  if (c.length === 2) return `${c[0]}*`;
  return `${c[0]}${'*'.repeat(c.length - 2)}${c[c.length - 1]}`;
}
