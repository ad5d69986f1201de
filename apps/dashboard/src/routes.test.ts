import { describe, expect, it } from 'vitest';
import { findRoute, isCurrentNav, ROUTES } from './routes';

describe('the route table', () => {
  it('answers each address with its screen and parameters, and nothing for an unknown one', () => {
    expect(findRoute('/tokens/abc')).toMatchObject({ route: { path: '/tokens/:id' }, params: { id: 'abc' } });
    expect(findRoute('/settings')?.route.role).toBe('admin');
    expect(findRoute('/nowhere')).toBeUndefined();
  });

  it('lists each address once, and marks a detail screen as under its list in the navigation', () => {
    expect(new Set(ROUTES.map((route) => route.path)).size).toBe(ROUTES.length);
    const tokens = ROUTES.find((route) => route.path === '/tokens')!;
    const overview = ROUTES.find((route) => route.path === '/')!;
    expect(isCurrentNav(tokens, '/tokens/abc')).toBe(true);
    expect(isCurrentNav(overview, '/tokens')).toBe(false);
  });
});
