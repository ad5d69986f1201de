// The role picker of the forms that create accounts and API keys: one list of roles with what each may do.
import type { Role } from '@tokenfleet/contract';

/** What each role may do, in the order the picker offers them; a role without a label does not compile. */
const ROLE_LABELS: Record<Role, string> = {
  viewer: 'Viewer — sees everything, changes nothing',
  operator: 'Operator — also uploads, acts on tokens, retries jobs',
  admin: 'Admin — also manages accounts and API keys',
};

export const ROLE_OPTIONS: readonly { value: Role; label: string }[] = (Object.keys(ROLE_LABELS) as Role[]).map((value) => ({ value, label: ROLE_LABELS[value] }));

export function RoleField({ id, value, onChange }: { id: string; value: Role; onChange: (role: Role) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Role</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as Role)}>
        {ROLE_OPTIONS.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
