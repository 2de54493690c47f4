import {
  isBlank,
  type RecordColumn,
  type RecordDraft,
  recordColumns,
  validateDraft,
} from '../records/record.validation';
import { strings } from '../strings';

/** The editable records grid; validation lives in record.validation.ts, the grid only shows it. */
export function RecordsGrid(props: { rows: RecordDraft[]; showErrors: boolean; onChange(rows: RecordDraft[]): void }) {
  const { rows, onChange } = props;
  const set = (index: number, column: RecordColumn, value: string) =>
    onChange(rows.map((r, i) => (i === index ? { ...r, [column]: value } : r)));
  return (
    <div class="grid-wrap">
      <table class="records-grid" data-testid="records-grid">
        <thead>
          <tr>
            {recordColumns.map((c) => (
              <th key={c} scope="col">
                {strings.submit.columns[c]}
              </th>
            ))}
            <th scope="col">
              <span class="visually-hidden">{strings.submit.removeColumn}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => {
            const errors = props.showErrors || !isBlank(row) ? validateDraft(row) : {};
            return (
              <tr key={index} data-testid="grid-row">
                {recordColumns.map((column) => {
                  const error = (props.showErrors || row[column] !== '') && errors[column];
                  const id = `cell-${index}-${column}`;
                  return (
                    <td key={column}>
                      <input
                        id={id}
                        name={column}
                        value={row[column]}
                        aria-label={strings.submit.cellLabel(strings.submit.columns[column], index + 1)}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `${id}-error` : undefined}
                        inputMode={column === 'value' ? 'decimal' : undefined}
                        onInput={(e) => set(index, column, (e.target as HTMLInputElement).value)}
                      />
                      {error && (
                        <span id={`${id}-error`} class="cell-error" data-testid="cell-error">
                          {error}
                        </span>
                      )}
                    </td>
                  );
                })}
                <td>
                  <button
                    type="button"
                    class="link-button"
                    aria-label={strings.submit.removeRow(index + 1)}
                    disabled={rows.length === 1}
                    onClick={() => onChange(rows.filter((_, i) => i !== index))}
                  >
                    ×
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
