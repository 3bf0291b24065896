/**
 * Counts this process's publications of a new data version (the rollups and data_version committed
 * together by refreshRollupsIfStale): odd while such a commit is under way. Only this process can
 * write the store (DuckDB locks the file against others), so a read that began and ended while the
 * count stayed even and equal to the count taken before the version was read saw that version — the
 * API checks this instead of spending a transaction and a query on every answer (server/api/context.ts).
 */
let count = 0;

export const publications = {
  get count(): number {
    return count;
  },
  /** Runs the commit that publishes a version, counted before it starts and after it ends. */
  async around<T>(commit: () => Promise<T>): Promise<T> {
    count++;
    try {
      return await commit();
    } finally {
      count++;
    }
  },
};
