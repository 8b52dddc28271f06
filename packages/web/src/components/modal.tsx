/**
 * @module A modal dialog on the native <dialog> element: focus is trapped and Escape closes it.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';

export function Modal(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { onClose } = props;
  // Callers pass a new onClose on every render; the dialog must not close and reopen (and move
  // the focus) each time the page behind it re-renders.
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) {
      return undefined;
    }
    if (!dialog.open) {
      dialog.showModal();
    }
    const onCancel = (event: Event) => {
      event.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={props.wide === true ? 'modal modal-wide' : 'modal'}
      aria-labelledby={titleId}
    >
      <header className="modal-header">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" className="button-ghost" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {props.children}
    </dialog>
  );
}

export function ConfirmDialog(props: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal title={props.title} onClose={props.onCancel}>
      <div className="modal-body">{props.message}</div>
      <footer className="modal-footer">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="button-danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </footer>
    </Modal>
  );
}
