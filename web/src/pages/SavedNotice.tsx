import { Alert } from '@mantine/core';

/** The green confirmation shown after a save ("Settings saved."), closable. */
export function SavedNotice({ message, onClose }: { message: string | null; onClose: () => void }) {
  if (!message) return null;
  return (
    <Alert color="green" withCloseButton onClose={onClose} data-testid="saved-notice">
      {message}
    </Alert>
  );
}
