import { describe, expect, it } from 'vitest';
import { RecentSet } from '../../src/handlers/recent-set.js';

describe('RecentSet', () => {
  it('forgets the least recently added key beyond its size', () => {
    const s = new RecentSet<string>(2);
    s.add('a').add('b').add('a').add('c');
    expect([...s]).toEqual(['a', 'c']);
    expect(s.has('b')).toBe(false);
  });
});
