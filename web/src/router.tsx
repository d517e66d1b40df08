import type { AnchorHTMLAttributes } from 'react';
import { Link as RouterLink, matchPath, useLocation as useRouterLocation } from 'react-router';

/**
 * Thin shims over React Router for pages written against the console's first router (the lead
 * removes them once every page uses React Router directly): `navigate` from anywhere, the
 * location as path + query, `match`, and `Link`.
 */
type Navigate = (to: string, opts?: { replace?: boolean; state?: unknown }) => unknown;
let navigator: Navigate | null = null;

/** Set once by the app's router (routes.tsx). */
export function setNavigator(n: Navigate): void {
  navigator = n;
}

export function navigate(to: string, replace = false, state?: unknown): void {
  void navigator?.(to, { replace, state });
}

export function useLocation(): { path: string; query: URLSearchParams; state: unknown } {
  const l = useRouterLocation();
  return { path: l.pathname, query: new URLSearchParams(l.search), state: l.state };
}

/** Matches `/tasks/:id/edit` against a path; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const m = matchPath({ path: pattern, end: true }, path);
  return m ? (m.params as Record<string, string>) : null;
}

export function Link({ to, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  return <RouterLink to={to} {...rest} />;
}
