// Confirmation before what cannot be undone. A native modal <dialog>: the browser traps focus, Escape
// cancels, and focus returns to the button that opened it.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';

export interface ConfirmRequest {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  /** A red confirm button, for what destroys or cannot be undone. */
  danger?: boolean;
}

interface Pending extends ConfirmRequest {
  resolve: (confirmed: boolean) => void;
}

/** Answers an element to render and `confirm(request)`, which resolves true when the person confirms. */
export function useConfirm(): [ReactNode, (request: ConfirmRequest) => Promise<boolean>] {
  const [pending, setPending] = useState<Pending | null>(null);
  const confirm = useCallback(
    (request: ConfirmRequest) => new Promise<boolean>((resolve) => setPending({ ...request, resolve })),
    [],
  );
  const close = (confirmed: boolean) => {
    pending?.resolve(confirmed);
    setPending(null);
  };
  const element = pending ? <ConfirmDialog request={pending} onClose={close} /> : null;
  return [element, confirm];
}

function ConfirmDialog({ request, onClose }: { request: ConfirmRequest; onClose: (confirmed: boolean) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (typeof element.showModal === 'function' && !element.open) element.showModal();
    else element.setAttribute('open', '');
    // The safe choice has the focus, so an Enter pressed out of habit does not destroy anything.
    cancelButton.current?.focus();
    return () => {
      if (element.open && typeof element.close === 'function') element.close();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose(false);
      }}
    >
      <h2 id="confirm-title">{request.title}</h2>
      <div className="dialog-body">{request.body}</div>
      <div className="dialog-actions">
        <button type="button" ref={cancelButton} onClick={() => onClose(false)}>
          Cancel
        </button>
        <button type="button" className={request.danger ? 'danger' : 'primary'} onClick={() => onClose(true)}>
          {request.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
