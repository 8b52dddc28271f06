/**
 * @module The button that asks to delete one item of a list, named for it (for screen readers
 * and tests); what it deletes is confirmed elsewhere.
 */
export function DeleteButton({ name, onClick }: { name: string; onClick: () => void }) {
  return (
    <button type="button" className="button-danger" aria-label={`Delete ${name}`} onClick={onClick}>
      Delete
    </button>
  );
}
