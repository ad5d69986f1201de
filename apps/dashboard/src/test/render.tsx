// Renders a component into the simulated DOM for a test, with React's act() so effects have run.
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { SessionUser } from '@tokenfleet/contract';
import { SessionContext } from '../session';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Rendered {
  container: HTMLElement;
  /** Renders another element in the same root (as a parent re-rendering with new props would). */
  rerender: (element: ReactNode) => void;
  unmount: () => void;
}

export function render(element: ReactNode, user?: SessionUser): Rendered {
  const container = document.createElement('div');
  document.body.append(container);
  let root: Root;
  const tree = user ? <SessionContext.Provider value={{ user, signOut: async () => {} }}>{element}</SessionContext.Provider> : element;
  act(() => {
    root = createRoot(container);
    root.render(tree);
  });
  const wrap = (next: ReactNode) => (user ? <SessionContext.Provider value={{ user, signOut: async () => {} }}>{next}</SessionContext.Provider> : next);
  return {
    container,
    rerender: (next) => root.render(wrap(next)),
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}

/** The visible labels of the buttons in an element, in order. */
export function buttonLabels(element: ParentNode): string[] {
  return [...element.querySelectorAll('button')].map((button) => button.textContent?.trim() ?? '');
}
