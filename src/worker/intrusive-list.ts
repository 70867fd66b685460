/**
 * The links an element of an IntrusiveList carries itself (initialise them to undefined / false).
 */
export interface ListLinks<T> {
  prev: T | undefined;
  next: T | undefined;
  listed: boolean;
}

/**
 * A doubly linked list whose links live on its elements: adding and removing allocate nothing and
 * take constant time. For per-message bookkeeping (a running message's lease, say) that a Set would
 * do with an insert and a delete per message, whose backing table grows and shrinks (and makes
 * garbage) as thousands of messages come and go. Figures: docs/performance.md, "Intrusive lists".
 * An element is in at most one list at a time.
 */
export class IntrusiveList<T extends ListLinks<T>> {
  private head: T | undefined;
  private tail: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The oldest element, if any. */
  first(): T | undefined {
    return this.head;
  }

  /** Appends `node` (a node already listed is left where it is). */
  add(node: T): void {
    if (node.listed) return;
    node.listed = true;
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.count += 1;
  }

  /** Unlinks `node` if it is listed (here: elements are in at most one list). */
  remove(node: T): void {
    if (!node.listed) return;
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = undefined;
    node.listed = false;
    this.count -= 1;
  }

  /** Calls `fn` for each element in insertion order; `fn` may remove the element it is given. */
  forEach(fn: (node: T) => void): void {
    let node = this.head;
    while (node) {
      const next = node.next;
      fn(node);
      node = next;
    }
  }
}
