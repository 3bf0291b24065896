/**
 * The generator draws enum values by position: plans store a one-byte index, weights are listed
 * position by position, a uniform draw picks an index. Those positions are the generator's own,
 * fixed where it samples, so that reordering the contract's declaration of the values can never
 * change the output for a seed. This checks that such a list holds exactly the contract's values.
 */
export function samplingOrder<const T extends string>(what: string, contractValues: readonly T[], order: readonly T[]): readonly T[] {
  const missing = contractValues.filter((v) => !order.includes(v));
  const repeated = order.filter((v, i) => order.indexOf(v) !== i);
  if (missing.length > 0 || repeated.length > 0 || order.length !== contractValues.length) {
    throw new Error(
      `The generator's sampling order of ${what} (${order.join(', ')}) must hold each of the contract's values ` +
        `(${contractValues.join(', ')}) once${missing.length ? `; missing: ${missing.join(', ')}` : ''}${repeated.length ? `; repeated: ${repeated.join(', ')}` : ''}`,
    );
  }
  return order;
}
