import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { useSubmission, type Submission } from './hooks';
import { render, type Rendered } from './test/render';

let rendered: Rendered | undefined;
afterEach(() => rendered?.unmount());

/** Renders a component that hands out its useSubmission, so the test can drive it. */
function withSubmission(): () => Submission {
  let latest: Submission | undefined;
  function Probe() {
    latest = useSubmission();
    return <p>{latest.working ? 'working' : 'idle'}</p>;
  }
  rendered = render(<Probe />);
  return () => latest!;
}

describe('useSubmission', () => {
  it('is working while the action runs, keeps its error, and clears it when the next attempt starts', async () => {
    const current = withSubmission();
    let finish!: () => void;
    let outcome!: Promise<boolean>;
    act(() => {
      outcome = current().attempt(() => new Promise<void>((resolve) => (finish = resolve)));
    });
    expect(rendered!.container.textContent).toBe('working');
    await act(async () => {
      finish();
      expect(await outcome).toBe(true);
    });
    expect(rendered!.container.textContent).toBe('idle');

    const refused = new Error('refused');
    await act(async () => {
      expect(await current().attempt(() => Promise.reject(refused))).toBe(false);
    });
    expect(current().error).toBe(refused);
    expect(current().working).toBe(false);

    let finishAgain!: () => void;
    act(() => {
      outcome = current().attempt(() => new Promise<void>((resolve) => (finishAgain = resolve)));
    });
    expect(current().error).toBeUndefined();
    await act(async () => {
      finishAgain();
      await outcome;
    });

    await act(async () => {
      await current().attempt(() => Promise.reject(refused));
    });
    act(() => current().clearError());
    expect(current().error).toBeUndefined();
  });
});
