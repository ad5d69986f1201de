// Where keyboard focus goes when the screen changes, as accessible single-page apps do it (a page load
// starts at the top of the document; a screen change here should too):
// - chosen from the menu: focus stays on the menu link, so the next Tab goes on through the menu or,
//   past it, into the new screen;
// - any other way (a link in a table, Back, a form that moves on): focus goes to the top of the page, to
//   an announcer that reads the new screen's title; the next Tab reaches "Skip to content", then the menu.
// Focusing the screen's heading instead would leave a keyboard user below the menu, tabbing through the
// whole screen to get back to it.
import { useEffect, useRef, useState, type RefObject } from 'react';

export function NavigationFocus({ pathname, menu }: { pathname: string; menu: RefObject<HTMLElement | null> }) {
  const announcer = useRef<HTMLParagraphElement>(null);
  const shown = useRef(pathname);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    if (shown.current === pathname) return;
    shown.current = pathname;
    // The screen's PageTitle has set document.title in its own effect, which runs before this one.
    setAnnouncement(document.title);
    if (menu.current?.contains(document.activeElement)) return;
    announcer.current?.focus({ preventScroll: true });
    window.scrollTo?.(0, 0);
  }, [pathname, menu]);

  return (
    <p ref={announcer} tabIndex={-1} className="visually-hidden route-announcer" aria-live="polite" aria-atomic="true">
      {announcement}
    </p>
  );
}
