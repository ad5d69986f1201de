// The role picker of the forms that create accounts and API keys: one list of roles with what each may do.
import type { KeyRole, Role } from '@tokenfleet/contract';

/** What each role may do, in the order the picker offers them; a role without a label does not compile. */
const KEY_ROLE_LABELS: Record<KeyRole, string> = {
  viewer: 'Viewer — sees everything, changes nothing',
  operator: 'Operator — also uploads, acts on tokens, retries jobs',
  admin: 'Admin — also manages accounts and API keys',
  validator: 'Validator — only checks codes at /validate, /createuser (for VPN and RADIUS gateways)',
};

type Option<R extends KeyRole> = { value: R; label: string };
const option = <R extends KeyRole>(value: R): Option<R> => ({ value, label: KEY_ROLE_LABELS[value] });

/** The roles of dashboard accounts (and of management API keys). */
export const ROLE_OPTIONS: readonly Option<Role>[] = (['viewer', 'operator', 'admin'] as const).map(option);

/** API keys also come as validator keys, which work only on the validation routes at the server root. */
export const KEY_ROLE_OPTIONS: readonly Option<KeyRole>[] = [...ROLE_OPTIONS, option('validator')];

export function RoleField<R extends KeyRole = Role>({
  id,
  value,
  onChange,
  roles = ROLE_OPTIONS as readonly Option<R>[],
}: {
  id: string;
  value: R;
  onChange: (role: R) => void;
  roles?: readonly Option<R>[];
}) {
  return (
    <div className="field">
      <label htmlFor={id}>Role</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as R)}>
        {roles.map((entry) => (
          <option key={entry.value} value={entry.value}>
            {entry.label}
          </option>
        ))}
      </select>
    </div>
  );
}
