import { navigate, useLocation } from '../router.tsx';

/**
 * A confirmation carried to the next page ("Task saved"): the wizard saves, then navigates to the
 * list with the message in that history entry's state, which the list shows until it is closed.
 * Kept in the history entry rather than taken once from a variable: React may render a page more
 * than once before showing it (an interrupted or suspended render), and a message taken by the
 * first render was lost to the one shown (issue #13's "no word after a save", flaky under load).
 */
export function navigateWithNotice(to: string, notice: string): void {
  navigate(to, false, { notice });
}

/**
 * The page's notice (the one it was opened with, or one it set since) and a way to replace or
 * close it, kept in the current history entry.
 */
export function useNotice(): [string | null, (notice: string | null) => void] {
  const { path, query, state } = useLocation();
  const notice = (state as { notice?: unknown } | null)?.notice;
  const search = query.toString();
  const set = (next: string | null) => {
    if (next === (typeof notice === 'string' ? notice : null)) return;
    navigate(search ? `${path}?${search}` : path, true, next === null ? null : { notice: next });
  };
  return [typeof notice === 'string' ? notice : null, set];
}
