/**
 * Which SQL the workbench runs on Ctrl/Cmd+Enter: the selection if there is one, otherwise the
 * statement under the cursor. Statements are split on `;` outside quotes ('…', "…", $$…$$ or
 * $tag$…$tag$) and comments (-- to the end of the line, /* … *\/), as DuckDB reads them.
 */

export interface Statement {
  /** The statement's text, without the surrounding blanks and its `;`. */
  text: string;
  /** Where `text` starts and ends in the document (UTF-16 offsets, end exclusive). */
  from: number;
  to: number;
}

/** Where each statement ends: the offsets of the `;` that end them (and the document's end). */
function boundaries(doc: string): number[] {
  const ends: number[] = [];
  let i = 0;
  const n = doc.length;
  while (i < n) {
    const c = doc[i]!;
    if (c === "'" || c === '"') {
      // A quote ends at the next unescaped one ('' and "" escape a quote inside).
      i++;
      while (i < n) {
        if (doc[i] === c) {
          if (doc[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '-' && doc[i + 1] === '-') {
      const nl = doc.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && doc[i + 1] === '*') {
      const close = doc.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(doc.slice(i, i + 66));
      if (tag && !/[A-Za-z0-9_]/.test(doc[i - 1] ?? '')) {
        const close = doc.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
      } else i++;
    } else if (c === ';') {
      ends.push(i);
      i++;
    } else i++;
  }
  return ends;
}

/** Whether a piece of SQL holds anything but blanks and comments. */
export function hasCode(sql: string): boolean {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?(\*\/|$)/g, '').trim() !== '';
}

function trimmed(doc: string, from: number, to: number): Statement {
  const raw = doc.slice(from, to);
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  return { text, from: from + lead, to: from + lead + text.length };
}

/** Every statement of the document with code in it, in order. */
export function splitStatements(doc: string): Statement[] {
  const out: Statement[] = [];
  let start = 0;
  for (const end of [...boundaries(doc), doc.length]) {
    const s = trimmed(doc, start, end);
    if (hasCode(s.text)) out.push(s);
    start = end + 1;
  }
  return out;
}

/**
 * The statement to run for a cursor at `from` (or a selection `from`–`to`): the selection's code
 * if it has any; else the statement the cursor is in or at the end of; else (the cursor after a
 * `;`, or in the blank or comment lines after a statement) the statement before it; else (before
 * the first statement) the first. Null when the document holds no code.
 */
export function statementToRun(doc: string, from: number, to: number = from): Statement | null {
  if (to < from) [from, to] = [to, from];
  if (to > from) {
    let s = trimmed(doc, from, to);
    // A trailing `;` is not part of the statement.
    while (s.text.endsWith(';')) s = trimmed(doc, s.from, s.to - 1);
    if (hasCode(s.text)) return s;
    // A selection of blanks or comments alone: the statement under the cursor instead.
  }
  const statements = splitStatements(doc);
  const at = to;
  const inside = statements.find((s) => s.from <= at && at <= s.to);
  if (inside) return inside;
  const before = statements.filter((s) => s.to <= at);
  return before.length ? before[before.length - 1]! : (statements[0] ?? null);
}

/**
 * DuckDB reports a syntax error's position in code points of the SQL; the editor counts UTF-16
 * units. Converts one to the other in `text` (the same where there are no astral characters).
 */
export function codePointOffsetToIndex(text: string, codePoints: number): number {
  let index = 0;
  let seen = 0;
  while (index < text.length && seen < codePoints) {
    const code = text.charCodeAt(index);
    index += code >= 0xd800 && code <= 0xdbff && index + 1 < text.length ? 2 : 1;
    seen++;
  }
  return index;
}
