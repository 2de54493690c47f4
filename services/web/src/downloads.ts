import { session } from './auth/session';

/** The file name a `Content-Disposition: attachment; filename="…"` header gives, else the fallback. */
export function attachmentName(header: string | null, fallback: string): string {
  const name = header ? /filename="([^"]+)"/.exec(header)?.[1] : undefined;
  return name && !/[\\/]/.test(name) ? name : fallback;
}

/**
 * Downloads an API path through fetch, so the request carries the access token (a plain link could not), and hands
 * the file over as a blob named as the gateway names it. Nothing happens when the gateway does not answer: the link
 * stays, to be pressed again.
 */
export async function downloadFile(event: Event, path: string, fallbackName: string): Promise<void> {
  event.preventDefault();
  const token = await session.ensureToken();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} }).catch(
    () => undefined,
  );
  if (!response?.ok) return;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = attachmentName(response.headers.get('content-disposition'), fallbackName);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
