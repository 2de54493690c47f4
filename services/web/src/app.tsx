import type { ComponentChildren, FunctionComponent } from 'preact';
import { useEffect } from 'preact/hooks';
import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { session } from './auth/session';
import { Header } from './components/header';
import { useSession } from './hooks';
import { AccountPage } from './pages/account.page';
import { BatchPage } from './pages/batch.page';
import { BatchesPage } from './pages/batches.page';
import { ConfirmPage } from './pages/confirm.page';
import { DatasetPage } from './pages/dataset.page';
import { DeadLettersPage } from './pages/dead-letters.page';
import { LoginPage } from './pages/login.page';
import { RegisterPage } from './pages/register.page';
import { SubmitPage } from './pages/submit.page';
import { TablePage } from './pages/table.page';
import { strings } from './strings';

/** Pages for a signed-in user: signed out goes to /login; while restoring or offline the page shows as usual. */
function SignedIn({ children }: { children: ComponentChildren }) {
  const state = useSession();
  const { route } = useLocation();
  useEffect(() => {
    if (state.status === 'signedOut') route('/login', true);
  }, [state.status]);
  if (state.status === 'signedOut') return null;
  if (state.status === 'restoring') return <p class="calm">{strings.common.loading}</p>;
  return <>{children}</>;
}

function signedIn<P extends object>(Page: FunctionComponent<P>): FunctionComponent<P> {
  return (props) => (
    <SignedIn>
      <Page {...props} />
    </SignedIn>
  );
}

function Home() {
  const state = useSession();
  const { route } = useLocation();
  useEffect(() => {
    if (state.status === 'signedOut') route('/login', true);
    else if (state.status !== 'restoring') route('/batches', true);
  }, [state.status]);
  return <p class="calm">{strings.common.loading}</p>;
}

const Batches = signedIn(BatchesPage);
const Submit = signedIn(SubmitPage);
const Batch = signedIn(BatchPage);
const Table = signedIn(TablePage);
const Dataset = signedIn(DatasetPage);
const DeadLetters = signedIn(DeadLettersPage);
const Account = signedIn(AccountPage);

function NotFound() {
  return <p>{strings.common.notFound}</p>;
}

export function App() {
  useEffect(() => {
    void session.restore();
  }, []);
  return (
    <LocationProvider>
      <Header />
      <main id="main" class="main">
        <ErrorBoundary>
          <Router>
            <Route path="/" component={Home} />
            <Route path="/login" component={LoginPage} />
            <Route path="/register" component={RegisterPage} />
            <Route path="/confirm" component={ConfirmPage} />
            <Route path="/account" component={Account} />
            <Route path="/batches" component={Batches} />
            <Route path="/batches/new" component={Submit} />
            <Route path="/batches/:id" component={Batch} />
            <Route path="/generations/:id/tables/:table" component={Table} />
            <Route path="/datasets/:dataset" component={Dataset} />
            <Route path="/dead-letters" component={DeadLetters} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
    </LocationProvider>
  );
}
