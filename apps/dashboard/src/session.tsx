// Who is signed in, and what their role lets them do. The UI hides what a role cannot do; the API
// refuses it anyway, so this is about a clear screen, not about security.
import { createContext, useContext } from 'react';
import type { Role, SessionUser } from '@tokenfleet/contract';
import { roleAllows } from '@tokenfleet/contract/values';

export { roleAllows };

export interface SessionContextValue {
  user: SessionUser;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession used outside a signed-in screen');
  return session;
}

/** Whether the signed-in user has at least this role. */
export function useCan(needed: Role): boolean {
  return roleAllows(useSession().user.role, needed);
}
