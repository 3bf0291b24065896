/** The versioned savings model (data/savings-model.json): validated once, flattened for SQL. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const SAVINGS_MODEL_PATH = fileURLToPath(new URL('../../data/savings-model.json', import.meta.url));

const UnitValues = z.object({ low: z.number().min(0), central: z.number().min(0), high: z.number().min(0) });

const SavingsModelSchema = z.object({
  version: z.string().min(1),
  currency: z.literal('GBP'),
  priceYear: z.number().int(),
  description: z.string(),
  items: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9_]+$/),
        label: z.string().min(1),
        event_types: z.array(z.string().min(1)).min(1),
        fraction: z.number().min(0).max(1),
        unit_value_gbp: UnitValues.refine((v) => v.low <= v.central && v.central <= v.high, 'low <= central <= high'),
        source: z.string().min(1),
        notes: z.string().optional(),
      }),
    )
    .min(1),
});

export type SavingsModel = z.infer<typeof SavingsModelSchema>;

let cached: { model: SavingsModel; sqlParam: string } | undefined;

export function loadSavingsModel(path = SAVINGS_MODEL_PATH): { model: SavingsModel; sqlParam: string } {
  if (cached && path === SAVINGS_MODEL_PATH) return cached;
  const parsed = SavingsModelSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid savings model ${path}: ${parsed.error.message}`);
  const model = parsed.data;
  const value = { model, sqlParam: JSON.stringify(flattenModel(model)) };
  if (path === SAVINGS_MODEL_PATH) cached = value;
  return value;
}

/** One entry per saving type and event kind, the shape the savings / roi SQL unnests. */
function flattenModel(model: SavingsModel) {
  return model.items.flatMap((item) =>
    item.event_types.map((event_type) => ({
      id: item.id,
      label: item.label,
      event_type,
      fraction: item.fraction,
      low: item.unit_value_gbp.low,
      central: item.unit_value_gbp.central,
      high: item.unit_value_gbp.high,
    })),
  );
}
