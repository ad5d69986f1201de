import { act, useRef } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { render, type Rendered } from '../test/render';
import { NavigationFocus } from './NavigationFocus';

let rendered: Rendered | undefined;
afterEach(() => rendered?.unmount());

/** A shell in miniature: the announcer first, a skip link, the menu, then the screen with its own link. */
function Shell({ pathname }: { pathname: string }) {
  const menu = useRef<HTMLElement>(null);
  return (
    <>
      <NavigationFocus pathname={pathname} menu={menu} />
      <a href="#main">Skip to content</a>
      <nav ref={menu}>
        <a href="/tokens">Tokens</a>
      </nav>
      <main id="main">
        <h1>{pathname}</h1>
        <a href="/tokens/1" className="in-content">
          a token
        </a>
      </main>
    </>
  );
}

function show(pathname: string) {
  act(() => rendered!.rerender(<Shell pathname={pathname} />));
}

describe('focus after a screen change', () => {
  it('goes to the top of the page and announces the new screen, so the next Tab reaches the skip link and then the menu', () => {
    rendered = render(<Shell pathname="/tokens" />);
    const inContent = rendered.container.querySelector<HTMLAnchorElement>('.in-content')!;
    inContent.focus();
    document.title = 'Token 602345670001 · Tokenfleet';
    show('/tokens/1');
    const announcer = rendered.container.querySelector<HTMLElement>('.route-announcer')!;
    expect(document.activeElement).toBe(announcer);
    expect(announcer.textContent).toBe('Token 602345670001 · Tokenfleet');
    expect(announcer.getAttribute('aria-live')).toBe('polite');
    // Nothing focusable sits between the announcer and the skip link, and the menu follows it.
    const focusable = [...rendered.container.querySelectorAll<HTMLElement>('a, [tabindex]')];
    expect(focusable.slice(0, 3).map((element) => element.textContent)).toEqual(['Token 602345670001 · Tokenfleet', 'Skip to content', 'Tokens']);
  });

  it('stays on the menu link a keyboard user chose the screen with, and does nothing on the first screen', () => {
    rendered = render(<Shell pathname="/" />);
    expect(document.activeElement).toBe(document.body);
    const menuLink = rendered.container.querySelector<HTMLAnchorElement>('nav a')!;
    menuLink.focus();
    show('/tokens');
    expect(document.activeElement).toBe(menuLink);
  });
});
