/**
 * Fault injection for crash tests and the fault-injection suite: PORTAL_FAULT=crash:<point> kills
 * this process without any clean-up at that point, as a power cut or OOM kill would.
 */
export type FaultPoint = 'after-stage' | 'mid-batch' | 'before-rollups' | 'mid-archive-move';

export function faultPoint(point: FaultPoint): void {
  if (process.env.PORTAL_FAULT === `crash:${point}`) process.kill(process.pid, 'SIGKILL');
}
