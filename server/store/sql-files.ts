import { readdirSync, readFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's queries/ folder, resolved from this file so it works from any cwd. */
export const QUERIES_DIR = fileURLToPath(new URL('../../queries/', import.meta.url));

/**
 * Loads every `.sql` file of a queries/ sub-folder once, keyed by base name, and fails fast if a
 * name the caller depends on is missing — a typo in a file name must stop start-up, not a request.
 */
export function loadSqlFiles<const Name extends string>(
  folder: string,
  required: readonly Name[],
): Record<Name, string> & Record<string, string> {
  const dir = join(QUERIES_DIR, folder);
  const map: Record<string, string> = {};
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.sql')) map[basename(file, '.sql')] = readFileSync(join(dir, file), 'utf8');
  }
  const missing = required.filter((name) => !(name in map));
  if (missing.length > 0) {
    throw new Error(`Missing SQL file(s) in queries/${folder}/: ${missing.map((m) => `${m}.sql`).join(', ')}`);
  }
  return map as Record<Name, string> & Record<string, string>;
}
