/** A bounded list that keeps the newest `capacity` items: recording costs O(1) and never grows memory past the bound. */
export class Ring<T> {
  private items: (T | undefined)[] = [];
  private next = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('recordLimit must be a positive integer');
  }

  push(item: T): void {
    // Grow lazily so an idle simulator with a large limit costs nothing.
    if (this.items.length < this.capacity) {
      this.items.push(item);
    } else {
      this.items[this.next] = item;
    }
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const start = this.size < this.capacity ? 0 : this.next;
    for (let i = 0; i < this.size; i++) {
      const item = this.items[(start + i) % this.capacity];
      if (item !== undefined) out.push(item);
    }
    return out;
  }

  clear(): void {
    this.items = [];
    this.next = 0;
    this.size = 0;
  }
}
