import { isApiError } from '@genlake/client';
import type { ComponentChildren } from 'preact';
import { strings } from '../strings';

/** The outcome of a form's request: done, refused with the gateway's reason, or an outage (said calmly). */
export type FormOutcome = { kind: 'done' } | { kind: 'refused'; message: string } | { kind: 'outage' };

export function outcomeOf(response: Response | undefined, body: unknown): FormOutcome {
  if (response?.ok) return { kind: 'done' };
  if (!response || response.status >= 500 || response.status === 429 || response.status === 408) {
    return { kind: 'outage' };
  }
  const reason = isApiError(body) ? [body.message, ...(body.details ?? [])].join(': ') : response.statusText;
  return { kind: 'refused', message: reason };
}

/** A refusal is an alert; an outage is a calm note with no alert role. */
export function FormMessage({ outcome }: { outcome?: FormOutcome }) {
  if (outcome?.kind === 'refused') {
    return (
      <p class="form-error" role="alert" data-testid="form-error">
        {outcome.message}
      </p>
    );
  }
  if (outcome?.kind === 'outage') return <p class="calm">{strings.login.retryLater}</p>;
  return null;
}

export function Field(props: {
  label: string;
  name: string;
  type?: string;
  autocomplete?: string;
  required?: boolean;
  minLength?: number;
  value?: string;
  onInput?: (value: string) => void;
  hint?: string;
  list?: string;
  children?: ComponentChildren;
  min?: number;
  max?: number;
}) {
  const id = `field-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        autocomplete={props.autocomplete}
        required={props.required}
        minLength={props.minLength}
        min={props.min}
        max={props.max}
        list={props.list}
        value={props.value}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onInput={props.onInput ? (e) => props.onInput!((e.target as HTMLInputElement).value) : undefined}
      />
      {props.hint && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {props.children}
    </div>
  );
}

export function formValues(event: Event): Record<string, string> {
  event.preventDefault();
  const data = new FormData(event.currentTarget as HTMLFormElement);
  return Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v)]));
}
