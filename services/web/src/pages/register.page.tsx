import { useState } from 'preact/hooks';
import { api } from '../api';
import { Field, FormMessage, type FormOutcome, formValues, outcomeOf } from '../components/form';
import { strings } from '../strings';

export function RegisterPage() {
  const [outcome, setOutcome] = useState<FormOutcome>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    const form = event.currentTarget as HTMLFormElement;
    const { email, password } = formValues(event);
    const notify = (form.elements.namedItem('notifyOnBatchCompleted') as HTMLInputElement | null)?.checked ?? false;
    setBusy(true);
    const answer = await api
      .POST('/api/auth/register', { body: { email: email!, password: password!, notifyOnBatchCompleted: notify } })
      .catch(() => undefined);
    setBusy(false);
    setOutcome(outcomeOf(answer?.response, answer?.error));
  };
  if (outcome?.kind === 'done') {
    return (
      <section class="card narrow">
        <h1>{strings.register.title}</h1>
        <p data-testid="register-done" role="status">
          {strings.register.done}
        </p>
      </section>
    );
  }
  return (
    <section class="card narrow">
      <h1>{strings.register.title}</h1>
      <form onSubmit={submit}>
        <Field label={strings.common.email} name="email" type="email" autocomplete="email" required />
        <Field
          label={strings.common.password}
          name="password"
          type="password"
          autocomplete="new-password"
          minLength={8}
          required
        />
        <div class="field checkbox">
          <input id="field-notify" type="checkbox" name="notifyOnBatchCompleted" />
          <label for="field-notify">{strings.register.notify}</label>
        </div>
        <FormMessage outcome={outcome} />
        <button type="submit" disabled={busy}>
          {strings.register.submit}
        </button>
      </form>
      <p>
        <a href="/login">{strings.register.haveAccount}</a>
      </p>
    </section>
  );
}
