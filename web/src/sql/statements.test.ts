import { describe, expect, it } from 'vitest';
import { codePointOffsetToIndex, hasCode, splitStatements, statementToRun } from './statements.js';

/** The statement run with the cursor where `|` is (the bar is taken out of the document). */
function runAt(marked: string): string | null {
  const at = marked.indexOf('|');
  const doc = marked.slice(0, at) + marked.slice(at + 1);
  const s = statementToRun(doc, at);
  if (s) expect(doc.slice(s.from, s.to)).toBe(s.text);
  return s?.text ?? null;
}

describe('statementToRun', () => {
  it('runs the only statement wherever the cursor is, without its ;', () => {
    expect(runAt('SELECT 1|')).toBe('SELECT 1');
    expect(runAt('|SELECT 1;')).toBe('SELECT 1');
    expect(runAt('  SEL|ECT 1 ;  \n')).toBe('SELECT 1');
    expect(runAt('SELECT 1;|')).toBe('SELECT 1');
  });

  it('runs the statement under the cursor among several', () => {
    const doc = 'SELECT 1;\nSELECT 2;\nSELECT 3';
    expect(runAt(doc.replace('SELECT 2', 'SEL|ECT 2'))).toBe('SELECT 2');
    expect(runAt(doc.replace('SELECT 3', '|SELECT 3'))).toBe('SELECT 3');
    expect(runAt(doc.replace('SELECT 1', 'SELECT 1|'))).toBe('SELECT 1');
    // Just after a statement's ; (end of its line): that statement, not the next one.
    expect(runAt(doc.replace('SELECT 2;', 'SELECT 2;|'))).toBe('SELECT 2');
  });

  it('ignores ; inside strings, quoted names, dollar quotes and comments', () => {
    const doc = "SELECT 'a;b' AS \"x;y\", $$c;d$$ -- not; here\nFROM t /* nor; here */ WHERE 1 = 1;\nSELECT 2";
    expect(runAt(doc.replace('WHERE', 'WH|ERE'))).toBe(doc.slice(0, doc.indexOf('1 = 1;') + 5));
    expect(runAt("SELECT 'it''s; fine' AS s|")).toBe("SELECT 'it''s; fine' AS s");
    expect(splitStatements(doc).map((s) => s.text)).toHaveLength(2);
  });

  it('runs the statement before blank or comment lines the cursor is in, or the first before any', () => {
    expect(runAt('SELECT 1;\n\n|\n\nSELECT 2')).toBe('SELECT 1');
    expect(runAt('SELECT 1;\n-- a note|\n')).toBe('SELECT 1');
    expect(runAt('|\n\n  SELECT 1;\nSELECT 2')).toBe('SELECT 1');
  });

  it('keeps a comment that opens a statement with it (the server reads it too)', () => {
    expect(runAt('-- how many\nSELECT count(*) FROM patients|;')).toBe('-- how many\nSELECT count(*) FROM patients');
  });

  it('runs the selection when there is one, without a trailing ;', () => {
    const doc = 'SELECT a FROM t;\nSELECT b FROM u;';
    const from = doc.indexOf('SELECT b');
    expect(statementToRun(doc, from, doc.length)).toEqual({ text: 'SELECT b FROM u', from, to: doc.length - 1 });
    // A part of a statement, e.g. a sub-query.
    const sub = 'SELECT * FROM (SELECT 1 AS one) t';
    expect(statementToRun(sub, 15, 30)!.text).toBe('SELECT 1 AS one');
    // Backwards selections too.
    expect(statementToRun(sub, 30, 15)!.text).toBe('SELECT 1 AS one');
    // A selection of blanks only: the statement under the cursor.
    expect(statementToRun('SELECT 1;   ', 10, 12)!.text).toBe('SELECT 1');
  });

  it('answers null when there is nothing to run', () => {
    expect(statementToRun('', 0)).toBeNull();
    expect(statementToRun('  -- just a note\n', 3)).toBeNull();
    expect(hasCode('/* a */ -- b\n')).toBe(false);
  });
});

describe('codePointOffsetToIndex', () => {
  it('is the identity without astral characters, and counts a surrogate pair as one', () => {
    expect(codePointOffsetToIndex("SELECT 'é' FROM WHERE", 16)).toBe(16);
    const emoji = "SELECT '😀' FROM WHERE";
    expect(emoji.slice(codePointOffsetToIndex(emoji, 16))).toBe('WHERE');
  });
});
