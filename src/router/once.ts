// At most once per object on this instance: onUploaded may be reached by the client's verify, a
// retried verify, a sweep and a storage event for the same object. A failed run is forgotten, so
// the next report runs it again. Bounded: the oldest entries go first.
const MAX_ENTRIES = 10_000;

export class Once {
  readonly #seen = new Map<string, Promise<void>>();

  /** True when this call ran `fn`; false when an earlier call did (or is doing) it. */
  async run(id: string, fn: () => Promise<void>): Promise<boolean> {
    const earlier = this.#seen.get(id);
    if (earlier) {
      await earlier;
      return false;
    }
    const running = fn();
    this.#seen.set(id, running);
    if (this.#seen.size > MAX_ENTRIES) this.#seen.delete(this.#seen.keys().next().value as string);
    try {
      await running;
      return true;
    } catch (error) {
      this.#seen.delete(id);
      throw error;
    }
  }
}
