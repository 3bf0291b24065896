/**
 * npm run generate -- --out <landing-dir> [--scale 1] [--seed N] [--days 1095] [--end YYYY-MM-DD]
 *                     [--batch day|week|month] [--format csv|parquet|ndjson] [--compression gzip|none] [--workers N] [--part-rows N]
 *
 * Writes a synthetic region's export batches into a landing directory (see scripts/generate/).
 */
import { runCli } from './generate/cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  tty: Boolean(process.stderr.isTTY),
});
