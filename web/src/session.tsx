import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { Api } from './api.ts';
import { restoreSession } from './lib/restore.ts';
import type { Me, Tenant } from './types.ts';
import { languageForKey } from './i18n/language.ts';

const KEY = 'outbound.key';
const TENANT = 'outbound.tenant';

export interface Session {
  api: Api;
  me: Me;
  /** Tenants the key may act in (all of them for a system administrator). */
  tenants: Tenant[];
  tenant: Tenant | null;
  selectTenant: (id: string | null) => void;
  reloadTenants: () => Promise<void>;
  signOut: () => void;
}

const Ctx = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The session's tenant; pages under the tenant are only rendered once one is chosen. */
export function useTenant(): { api: Api; me: Me; tenant: Tenant; base: string } {
  const s = useSession();
  if (!s.tenant) throw new Error('no tenant selected');
  return { api: s.api, me: s.me, tenant: s.tenant, base: `/tenants/${s.tenant.id}` };
}

/** Signs in with a key: who it is (GET /me), then the tenants it may see. */
export async function signIn(key: string): Promise<{ api: Api; me: Me; tenants: Tenant[] }> {
  const api = new Api(key.trim());
  const raw = await api.get<Me>('/me');
  const me: Me = { ...raw, tenantId: raw.tenantId || null, ouId: raw.ouId || null };
  const { items } = await api.get<{ items: Tenant[] }>('/tenants');
  return { api, me, tenants: items };
}

export function SessionProvider(props: {
  children: (s: Session | null, onSignedIn: (key: string) => Promise<void>) => ReactNode;
}) {
  const [state, setState] = useState<{ api: Api; me: Me; tenants: Tenant[] } | null>(null);
  const [tenantId, setTenantId] = useState<string | null>(() => sessionStorage.getItem(TENANT));
  const [restoring, setRestoring] = useState(() => !!sessionStorage.getItem(KEY));

  const onSignedIn = useCallback(async (key: string) => {
    const s = await signIn(key);
    sessionStorage.setItem(KEY, key.trim());
    languageForKey(s.me.keyId);
    setState(s);
    if (s.me.tenantId) setTenantId(s.me.tenantId);
  }, []);

  // A reload signs in again with the tab's key (lib/restore.ts: what forgets the key).
  useEffect(() => {
    const key = sessionStorage.getItem(KEY);
    if (!key) return;
    let gone = false;
    void restoreSession({
      signIn: () => onSignedIn(key),
      forget: () => sessionStorage.removeItem(KEY),
      gone: () => gone,
    }).then(() => {
      if (!gone) setRestoring(false);
    });
    return () => {
      gone = true;
    };
  }, [onSignedIn]);

  const selectTenant = useCallback((id: string | null) => {
    if (id) sessionStorage.setItem(TENANT, id);
    else sessionStorage.removeItem(TENANT);
    setTenantId(id);
  }, []);

  const reloadTenants = useCallback(async () => {
    if (!state) return;
    const { items } = await state.api.get<{ items: Tenant[] }>('/tenants');
    setState({ ...state, tenants: items });
  }, [state]);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(TENANT);
    setState(null);
    setTenantId(null);
  }, []);

  if (restoring) return null;
  const session: Session | null = state && {
    ...state,
    tenant: state.tenants.find((t) => t.id === tenantId) ?? null,
    selectTenant,
    reloadTenants,
    signOut,
  };
  return <Ctx.Provider value={session}>{props.children(session, onSignedIn)}</Ctx.Provider>;
}
