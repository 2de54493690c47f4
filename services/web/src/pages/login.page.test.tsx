import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { LocationProvider } from 'preact-iso';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoginPage } from './login.page';

afterEach(() => vi.unstubAllGlobals());

async function submit(email: string, password: string) {
  render(
    <LocationProvider>
      <LoginPage />
    </LocationProvider>,
  );
  fireEvent.input(screen.getByLabelText('Email'), { target: { value: email } });
  fireEvent.input(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.submit(screen.getByRole('button', { name: 'Log in' }).closest('form')!);
}

describe('LoginPage', () => {
  it("shows the gateway's reason for a refused login as an alert", async () => {
    const fetch = vi.fn(async () =>
      Response.json({ statusCode: 401, error: 'Unauthorized', message: 'wrong email or password' }, { status: 401 }),
    );
    vi.stubGlobal('fetch', fetch);
    await submit('me@example.com', 'not my password');
    await waitFor(() => expect(screen.getByTestId('form-error').textContent).toBe('wrong email or password'));
    expect(screen.getByRole('alert')).toBeTruthy();
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe('/api/auth/login');
    expect(init.headers).toMatchObject({ 'X-Genlake-Session': 'cookie' });
  });

  it('says calmly to try again when the gateway is down: no alert, no error text', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    await submit('me@example.com', 'a long passphrase');
    await waitFor(() => expect(screen.getByText(/not answering yet/)).toBeTruthy());
    expect(screen.queryByRole('alert')).toBeNull();
    expect(document.body.textContent).not.toMatch(/error|failed|500|503/i);
  });
});
