import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The budget for what the first page load needs (entry script, its static imports, CSS). */
export const MAIN_BUNDLE_BUDGET_GZIP = 350 * 1024;

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

export interface BundleSizes {
  /** Entry script + the chunks it imports statically + its CSS: what every first view loads. */
  main: { files: string[]; gzipBytes: number };
  /** Per page: the extra gzip bytes its dynamic import loads beyond the main bundle. */
  pages: Record<string, { files: string[]; gzipBytes: number }>;
}

/** Gzip sizes of the built dashboard (dist/ with .vite/manifest.json), for tests and `npm run bench`. */
export function measureBundleSizes(distDir: string): BundleSizes {
  const manifest = JSON.parse(readFileSync(join(distDir, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const gz = (file: string) => gzipSync(readFileSync(join(distDir, file)), { level: 9 }).byteLength;
  const closure = (key: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(key)) return seen;
    seen.add(key);
    for (const dep of manifest[key]?.imports ?? []) closure(dep, seen);
    return seen;
  };
  const filesOf = (keys: Set<string>) => {
    const files = new Set<string>();
    for (const k of keys) {
      const chunk = manifest[k]!;
      files.add(chunk.file);
      for (const css of chunk.css ?? []) files.add(css);
    }
    return files;
  };
  const entryKey = Object.keys(manifest).find((k) => manifest[k]!.isEntry)!;
  const mainFiles = filesOf(closure(entryKey));
  const size = (files: Iterable<string>) => [...files].reduce((sum, f) => sum + gz(f), 0);
  const pages: BundleSizes['pages'] = {};
  for (const [key, chunk] of Object.entries(manifest)) {
    if (!chunk.isDynamicEntry || !/pages\/[A-Z]/.test(key)) continue;
    const name = key.replace(/^.*pages\//, '').replace(/\.tsx?$/, '');
    const extra = [...filesOf(closure(key))].filter((f) => !mainFiles.has(f));
    pages[name] = { files: extra, gzipBytes: size(extra) };
  }
  return { main: { files: [...mainFiles], gzipBytes: size(mainFiles) }, pages };
}

/** Text found only in CodeMirror's code (its editor's class names): which chunks carry the editor. */
export const CODEMIRROR_MARK = /["'.]cm-(editor|scroller|content)\b/;

/** The JavaScript files among `files` whose code matches `pattern`. */
export function filesMatching(distDir: string, files: readonly string[], pattern: RegExp): string[] {
  return files.filter((f) => f.endsWith('.js') && pattern.test(readFileSync(join(distDir, f), 'utf8')));
}
