/** A modal dialog (the native <dialog>, so focus stays inside and Escape closes it) opened while it is rendered. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Dialog({ title, testId, onClose, children }: { readonly title: string; readonly testId: string; readonly onClose: () => void; readonly children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-label={title} data-testid={testId} onClose={onClose}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}
