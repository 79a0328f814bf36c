/**
 * `make` as a function that makes its value once per key object and hands the same value out after,
 * for work that depends only on a policy or ladder but would otherwise be redone for every invoice.
 * Nothing is kept when `make` throws, so a bad value fails every time. The value is shared: callers
 * must not change it.
 */
export function once<K extends object, V extends object>(make: (key: K) => V): (key: K) => V {
  const made = new WeakMap<K, V>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      made.set(key, value);
    }
    return value;
  };
}
