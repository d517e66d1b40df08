import { Button, Group } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Keyset paging as the API does it: each page hands back `next`, the key of the page after it.
 * The stack of keys seen lets the user go back; `reset` returns to the first page (new filters).
 */
export interface Keyset<K> {
  current: K | undefined;
  canGoBack: boolean;
  back(): void;
  forward(next: K): void;
  reset(): void;
}

export function useKeyset<K>(): Keyset<K> {
  const [stack, setStack] = useState<(K | undefined)[]>([undefined]);
  return {
    current: stack.at(-1),
    canGoBack: stack.length > 1,
    back: () => setStack((s) => s.slice(0, -1)),
    forward: (next) => setStack((s) => [...s, next]),
    reset: () => setStack([undefined]),
  };
}

/** Previous / Next page buttons for a keyset-paged list. */
export function PageButtons<K>({ pages, next }: { pages: Keyset<K>; next: K | null | undefined }) {
  const { t } = useTranslation();
  return (
    <Group>
      <Button variant="default" disabled={!pages.canGoBack} onClick={pages.back}>
        {t('previousPage')}
      </Button>
      <Button
        variant="default"
        disabled={next === null || next === undefined}
        onClick={() => next !== null && next !== undefined && pages.forward(next)}
        data-testid="next-page"
      >
        {t('nextPage')}
      </Button>
    </Group>
  );
}
