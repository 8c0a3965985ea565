/**
 * Typed events, delivered to callbacks and to async iterators alike.
 * @module
 */

/** One event as an iterator yields it: its name and its data. */
export type Tagged<M> = { [K in keyof M]: { readonly kind: K; readonly data: M[K] } }[keyof M];

type Listener<T> = (data: T) => void;

/** A typed event emitter whose events can also be read with `for await`. */
export class Emitter<M> {
  readonly #listeners = new Map<keyof M, Set<Listener<never>>>();
  readonly #queues = new Set<{ items: Tagged<M>[]; wake: (() => void) | null }>();
  #ended = false;

  /**
   * Calls `fn` for each event of this kind.
   * @param kind the event's name
   * @param fn the callback
   * @returns a function that removes the callback
   */
  on<K extends keyof M>(kind: K, fn: Listener<M[K]>): () => void {
    let set = this.#listeners.get(kind);
    if (!set) this.#listeners.set(kind, set = new Set());
    set.add(fn as Listener<never>);
    return () => set.delete(fn as Listener<never>);
  }

  /**
   * Resolves with the next event of this kind that satisfies `predicate`.
   * @param kind the event's name
   * @param predicate optional filter
   * @returns the event's data
   */
  once<K extends keyof M>(kind: K, predicate: (data: M[K]) => boolean = () => true): Promise<M[K]> {
    return new Promise((resolve) => {
      const off = this.on(kind, (data) => {
        if (!predicate(data)) return;
        off();
        resolve(data);
      });
    });
  }

  /**
   * Delivers an event to every callback and iterator. A callback that throws
   * is reported and does not stop the others.
   * @param kind the event's name
   * @param data the event's data
   */
  emit<K extends keyof M>(kind: K, data: M[K]): void {
    for (const fn of [...(this.#listeners.get(kind) ?? [])]) {
      try {
        (fn as Listener<M[K]>)(data);
      } catch (error) {
        console.error(`review client: a '${String(kind)}' listener threw`, error);
      }
    }
    for (const q of this.#queues) {
      q.items.push({ kind, data } as unknown as Tagged<M>);
      q.wake?.();
    }
  }

  /**
   * An async iterator over every event from now on; it ends after `end()`.
   * @returns the iterator
   */
  iterate(): AsyncIterableIterator<Tagged<M>> {
    const q: { items: Tagged<M>[]; wake: (() => void) | null } = { items: [], wake: null };
    this.#queues.add(q);
    const queues = this.#queues;
    const ended = () => this.#ended;
    const iterator: AsyncIterableIterator<Tagged<M>> = {
      async next(): Promise<IteratorResult<Tagged<M>>> {
        while (q.items.length === 0) {
          if (ended() || !queues.has(q)) return { done: true, value: undefined };
          await new Promise<void>((resolve) => q.wake = resolve);
          q.wake = null;
        }
        return { done: false, value: q.items.shift()! };
      },
      return(): Promise<IteratorResult<Tagged<M>>> {
        queues.delete(q);
        q.wake?.();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** Ends every iterator once it has yielded what is queued; callbacks stay. */
  end(): void {
    this.#ended = true;
    for (const q of this.#queues) q.wake?.();
  }
}
