// The role picker of the forms that create accounts and API keys: one list of roles with what each may do.
import type { KeyRole, Role } from '../api/types';

export const ROLES: readonly { value: Role; label: string }[] = [
  { value: 'viewer', label: 'Viewer — sees everything, changes nothing' },
  { value: 'operator', label: 'Operator — also uploads, acts on tokens, retries jobs' },
  { value: 'admin', label: 'Admin — also manages accounts and API keys' },
];

/** API keys also come as validator keys, which work only on the validation routes at the server root. */
export const KEY_ROLES: readonly { value: KeyRole; label: string }[] = [
  ...ROLES,
  { value: 'validator', label: 'Validator — only checks codes at /validate, /createuser (for VPN and RADIUS gateways)' },
];

export function RoleField<R extends KeyRole = Role>({ id, value, onChange, roles = ROLES as readonly { value: R; label: string }[] }: { id: string; value: R; onChange: (role: R) => void; roles?: readonly { value: R; label: string }[] }) {
  return (
    <div className="field">
      <label htmlFor={id}>Role</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as R)}>
        {roles.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
