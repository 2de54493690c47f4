import { useLocation } from 'preact-iso';
import { session } from '../auth/session';
import { useOutbox, useSession } from '../hooks';
import { pending } from '../outbox/outbox.model';
import { strings } from '../strings';

export function Header() {
  const state = useSession();
  const items = useOutbox();
  const { route, path } = useLocation();
  const waiting = items.filter(pending).length;
  const signedIn = state.status !== 'signedOut';
  const link = (href: string, text: string) => (
    <a href={href} aria-current={path === href ? 'page' : undefined}>
      {text}
    </a>
  );
  return (
    <header class="header">
      <a class="skip" href="#main">
        {strings.nav.main}
      </a>
      <a class="brand" href="/">
        {strings.appName}
      </a>
      <nav aria-label={strings.nav.main} class="nav">
        {signedIn ? (
          <>
            {link('/batches', strings.nav.batches)}
            {link('/batches/new', strings.nav.submit)}
            {state.account?.role === 'operator' && link('/dead-letters', strings.nav.deadLetters)}
            {link('/account', strings.nav.account)}
            <button
              type="button"
              class="link-button"
              data-testid="nav-logout"
              onClick={async () => {
                await session.logout();
                route('/login');
              }}
            >
              {strings.nav.logout}
            </button>
          </>
        ) : (
          <>
            {link('/login', strings.nav.login)}
            {link('/register', strings.nav.register)}
          </>
        )}
      </nav>
      <a
        href="/batches/new"
        class="outbox-count"
        data-testid="outbox-count"
        hidden={waiting === 0}
        aria-label={strings.nav.outboxCount(waiting)}
        title={strings.nav.outboxCount(waiting)}
      >
        {waiting}
      </a>
    </header>
  );
}
