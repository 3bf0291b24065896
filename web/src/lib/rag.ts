// Red / amber / green against the uptake target, as the programme board reads it:
// green = at or above target; amber = within a fifth of it (≥ 80% of the target);
// red = further behind. No target means no rating.

export type Rag = 'green' | 'amber' | 'red' | 'none';

export const AMBER_SHARE = 0.8;

export function ragStatus(uptakePct: number | null | undefined, targetPct: number | null | undefined): Rag {
  if (uptakePct === null || uptakePct === undefined || !Number.isFinite(uptakePct)) return 'none';
  if (targetPct === null || targetPct === undefined || !Number.isFinite(targetPct) || targetPct <= 0) return 'none';
  if (uptakePct >= targetPct) return 'green';
  if (uptakePct >= targetPct * AMBER_SHARE) return 'amber';
  return 'red';
}

export const RAG_LABEL: Record<Rag, string> = {
  green: 'On target',
  amber: 'Close to target',
  red: 'Behind target',
  none: 'No target',
};

export const RAG_RULE = `On target: uptake at or above the target. Close: at least ${AMBER_SHARE * 100}% of the target. Behind: below that.`;
