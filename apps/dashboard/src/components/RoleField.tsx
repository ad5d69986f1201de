// The role picker of the forms that create accounts and API keys: one list of roles with what each may do.
import type { Role } from '@tokenfleet/contract';

export const ROLES: readonly { value: Role; label: string }[] = [
  { value: 'viewer', label: 'Viewer — sees everything, changes nothing' },
  { value: 'operator', label: 'Operator — also uploads, acts on tokens, retries jobs' },
  { value: 'admin', label: 'Admin — also manages accounts and API keys' },
];

export function RoleField({ id, value, onChange }: { id: string; value: Role; onChange: (role: Role) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Role</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as Role)}>
        {ROLES.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
