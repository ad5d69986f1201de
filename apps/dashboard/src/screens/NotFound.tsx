import { PageTitle } from '../components/ui';
import { Link } from '../router';

export function NotFound() {
  return (
    <section>
      <PageTitle title="Not found">Nothing here</PageTitle>
      <p>
        This address is not a screen of the dashboard, or your role cannot open it. Go to the <Link to="/">overview</Link>.
      </p>
    </section>
  );
}
