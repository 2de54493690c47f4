import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { session } from '../auth/session';
import { Field, FormMessage, type FormOutcome, formValues, outcomeOf } from '../components/form';
import { strings } from '../strings';

export function LoginPage() {
  const { route } = useLocation();
  const [outcome, setOutcome] = useState<FormOutcome>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    const { email, password } = formValues(event);
    setBusy(true);
    setOutcome(undefined);
    const refused = await session.login(email!, password!).catch(() => null);
    setBusy(false);
    if (refused === undefined) return route('/batches');
    setOutcome(outcomeOf(refused ?? undefined, await refused?.json().catch(() => undefined)));
  };
  return (
    <section class="card narrow">
      <h1>{strings.login.title}</h1>
      <form onSubmit={submit}>
        <Field label={strings.common.email} name="email" type="email" autocomplete="username" required />
        <Field
          label={strings.common.password}
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <FormMessage outcome={outcome} />
        <button type="submit" disabled={busy}>
          {strings.login.submit}
        </button>
      </form>
      <p>
        <a href="/register">{strings.login.noAccount}</a>
      </p>
    </section>
  );
}
