/**
 * IntrusiveList (src/worker/intrusive-list.ts): the lease keeper's list of running messages.
 */
import { IntrusiveList, type ListLinks } from '../../src/worker/intrusive-list';

class Item implements ListLinks<Item> {
  prev: Item | undefined = undefined;
  next: Item | undefined = undefined;
  listed = false;
  constructor(readonly name: string) {}
}

const names = (list: IntrusiveList<Item>) => {
  const out: string[] = [];
  list.forEach((i) => out.push(i.name));
  return out;
};

describe('IntrusiveList', () => {
  test('keeps insertion order; removes the head, a middle element and the tail; size follows', () => {
    const list = new IntrusiveList<Item>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => new Item(n)) as [Item, Item, Item, Item];
    for (const i of [a, b, c, d]) list.add(i);
    expect(names(list)).toEqual(['a', 'b', 'c', 'd']);
    expect(list.size).toBe(4);
    list.remove(b);
    expect(names(list)).toEqual(['a', 'c', 'd']);
    list.remove(a);
    expect(names(list)).toEqual(['c', 'd']);
    list.remove(d);
    expect(names(list)).toEqual(['c']);
    list.add(a);
    expect(names(list)).toEqual(['c', 'a']);
    list.remove(c);
    list.remove(a);
    expect(names(list)).toEqual([]);
    expect(list.size).toBe(0);
    expect([a, b, c, d].every((i) => !i.listed && i.prev === undefined && i.next === undefined)).toBe(true);
  });

  test('adding a listed element or removing an unlisted one changes nothing', () => {
    const list = new IntrusiveList<Item>();
    const a = new Item('a');
    const b = new Item('b');
    list.add(a);
    list.add(b);
    list.add(a);
    expect(names(list)).toEqual(['a', 'b']);
    list.remove(b);
    list.remove(b);
    expect(names(list)).toEqual(['a']);
    expect(list.size).toBe(1);
  });

  test('forEach visits every element once even when the callback removes the one it is given', () => {
    const list = new IntrusiveList<Item>();
    const items = ['a', 'b', 'c', 'd', 'e'].map((n) => new Item(n));
    for (const i of items) list.add(i);
    const seen: string[] = [];
    list.forEach((i) => {
      seen.push(i.name);
      if (i.name !== 'c') list.remove(i);
    });
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(names(list)).toEqual(['c']);
  });
});
