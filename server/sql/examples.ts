/**
 * The workbench's gallery of example queries: queries/workbench/examples/<n>_<name>.sql, each
 * opening with a comment whose first sentence is its title and the rest the question it answers.
 * The page offers them (GET /api/sql/examples), the bench times the first three, and a spec runs
 * every one on the test region: one copy of each, in SQL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUERIES_DIR } from '../store/sql-files.js';

export interface ExampleQuery {
  name: string;
  title: string;
  description: string;
  sql: string;
}

const FILE = /^(\d+)_([a-z0-9_]+)\.sql$/;

export function loadExampleQueries(dir = join(QUERIES_DIR, 'workbench', 'examples')): ExampleQuery[] {
  return readdirSync(dir)
    .map((file) => ({ file, m: FILE.exec(file) }))
    .filter((f): f is { file: string; m: RegExpExecArray } => f.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map(({ file, m }) => {
      const sql = readFileSync(join(dir, file), 'utf8').trim();
      const comment = sql
        .split('\n')
        .filter((l) => l.startsWith('--'))
        .map((l) => l.replace(/^--\s?/, ''))
        .join(' ')
        .trim();
      const [title, ...rest] = comment.split(/(?<=:)\s|(?<=\.)\s/);
      if (!title) throw new Error(`queries/workbench/examples/${file} must open with a comment saying what it answers`);
      return { name: m[2]!, title: title.replace(/[:.]$/, ''), description: rest.join(' '), sql };
    });
}
