/** An error whose message is written for the person running the product; shown without a stack. */
export class StoreError extends Error {
  override name = 'StoreError';
}
