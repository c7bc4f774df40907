// A bounded pool: work that is mostly waiting on a store, spread over a few calls at once.

/**
 * `fn` over `items` with at most `limit` calls pending, results in the items' order. The first
 * failure stops further calls and is thrown once the pending ones have settled (nothing is left
 * running behind the caller's back).
 */
export async function eachAtMost<T, R>(limit: number, items: readonly T[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
