import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, cookieSession } from '../api';
import { session } from '../auth/session';
import { Field, FormMessage, type FormOutcome, formValues, outcomeOf } from '../components/form';
import { useSession } from '../hooks';
import { strings } from '../strings';

export function AccountPage() {
  const { account } = useSession();
  const { route } = useLocation();
  const [password, setPassword] = useState<FormOutcome>();
  const [resend, setResend] = useState<FormOutcome>();

  const changePassword = async (event: Event) => {
    const form = event.currentTarget as HTMLFormElement;
    const { currentPassword, newPassword } = formValues(event);
    const answer = await api
      .POST('/api/auth/password', {
        params: { header: cookieSession },
        body: { currentPassword: currentPassword!, newPassword: newPassword! },
      })
      .catch(() => undefined);
    if (answer?.data) {
      await session.adopt(answer.data);
      form.reset();
    }
    setPassword(outcomeOf(answer?.response, answer?.error));
  };

  const resendConfirmation = async () => {
    if (!account) return;
    const answer = await api.POST('/api/auth/confirmation', { body: { email: account.email } }).catch(() => undefined);
    setResend(outcomeOf(answer?.response, answer?.error));
  };

  return (
    <section class="card narrow">
      <h1>{strings.account.title}</h1>
      {account && (
        <p>
          {strings.account.signedInAs(account.email)} ·{' '}
          {account.emailConfirmed ? strings.account.confirmed : strings.account.unconfirmed}
        </p>
      )}
      <h2>{strings.account.changePassword}</h2>
      <form onSubmit={changePassword}>
        <Field
          label={strings.account.currentPassword}
          name="currentPassword"
          type="password"
          autocomplete="current-password"
          required
        />
        <Field
          label={strings.account.newPassword}
          name="newPassword"
          type="password"
          autocomplete="new-password"
          minLength={8}
          required
        />
        {password?.kind === 'done' ? (
          <p role="status">{strings.account.passwordChanged}</p>
        ) : (
          <FormMessage outcome={password} />
        )}
        <button type="submit">{strings.account.changePassword}</button>
      </form>
      {account && !account.emailConfirmed && (
        <>
          <h2>{strings.account.resend}</h2>
          {resend?.kind === 'done' ? <p role="status">{strings.account.resent}</p> : <FormMessage outcome={resend} />}
          <button type="button" onClick={resendConfirmation}>
            {strings.account.resend}
          </button>
        </>
      )}
      <h2>{strings.account.logout}</h2>
      <button
        type="button"
        onClick={async () => {
          await session.logout();
          route('/login');
        }}
      >
        {strings.account.logout}
      </button>
    </section>
  );
}
