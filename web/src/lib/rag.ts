// Red / amber / green against the uptake target. The rating itself is the rollout metric's
// (server/metrics/catalogue.ts; read with rolloutRag in projection.ts): these are its words.

export type Rag = 'green' | 'amber' | 'red' | 'none';

export const RAG_LABEL: Record<Rag, string> = {
  green: 'On target',
  amber: 'Close to target',
  red: 'Behind target',
  none: 'No target',
};

/** A rating as shown: one of the above, or hidden by the small-number rule (with the uptake it is worked out from). */
export type RagShown = Rag | 'hidden';

/** The words for a rating as shown: a hidden one says so (not "No target" beside a target). */
export function ragLabel(rag: RagShown): string {
  return rag === 'hidden' ? 'Rating hidden' : RAG_LABEL[rag];
}

export const RAG_RULE =
  'On target: uptake at or above the target. Close: at least 80% of the target, or projected to reach it within 52 weeks at the trend of the last 12 weeks. Behind: otherwise.';
