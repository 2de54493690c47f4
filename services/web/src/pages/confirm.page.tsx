import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api';
import { FormMessage, type FormOutcome, outcomeOf } from '../components/form';
import { strings } from '../strings';

export function ConfirmPage() {
  const { query } = useLocation();
  const token = query.token ?? '';
  const [outcome, setOutcome] = useState<FormOutcome>();
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    const answer = await api.POST('/api/auth/confirm', { body: { token } }).catch(() => undefined);
    setBusy(false);
    setOutcome(outcomeOf(answer?.response, answer?.error));
  };
  return (
    <section class="card narrow">
      <h1>{strings.confirm.title}</h1>
      {outcome?.kind === 'done' ? (
        <p data-testid="confirm-done" role="status">
          {strings.confirm.done} <a href="/login">{strings.confirm.toLogin}</a>
        </p>
      ) : token === '' ? (
        <p class="form-error" role="alert" data-testid="form-error">
          {strings.confirm.missingToken}
        </p>
      ) : (
        <>
          <p>{strings.confirm.explain}</p>
          <FormMessage outcome={outcome} />
          <button type="button" data-testid="confirm-button" disabled={busy} onClick={confirm}>
            {strings.confirm.button}
          </button>
        </>
      )}
    </section>
  );
}
