import { useEffect, useState } from 'preact/hooks';
import { api, authed } from '../api';
import { session } from '../auth/session';
import { OutboxList } from '../components/outbox-list';
import { RecordsGrid } from '../components/records-grid';
import { newId, type OutboxItem } from '../outbox/outbox.model';
import { outboxSender } from '../outbox/outbox.store';
import { datasetPattern } from '../records/dataset';
import { draftsToRecords, emptyDraft, type RecordDraft } from '../records/record.validation';
import { strings } from '../strings';
import { uploadFilter } from '../upload/upload.client';

type Mode = 'records' | 'file';

/** The datasets the user has sent batches to, as suggestions. */
function useKnownDatasets(): string[] {
  const [datasets, setDatasets] = useState<string[]>([]);
  useEffect(() => {
    void authed(() => api.GET('/api/batches', { params: { query: { limit: 500 } } })).then(({ data }) => {
      if (data?.items) setDatasets([...new Set(data.items.map((b) => b.dataset ?? ''))].filter(Boolean).sort());
    });
  }, []);
  return datasets;
}

export function SubmitPage() {
  const datasets = useKnownDatasets();
  const [mode, setMode] = useState<Mode>('records');
  const [dataset, setDataset] = useState('');
  const [complexity, setComplexity] = useState('1');
  const [rows, setRows] = useState<RecordDraft[]>([emptyDraft()]);
  const [file, setFile] = useState<File>();
  const [tried, setTried] = useState(false);
  const [note, setNote] = useState<string>();

  const datasetOk = datasetPattern.test(dataset);
  const complexityOk = /^[1-5]$/.test(complexity);

  const submit = async (event: Event) => {
    event.preventDefault();
    setTried(true);
    setNote(undefined);
    if (!datasetOk || !complexityOk) return;
    const now = Date.now();
    const base = {
      id: newId(),
      idempotencyKey: newId(),
      dataset,
      complexity: Number(complexity),
      owner: session.current().account?.id,
      state: 'waiting' as const,
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now,
      toldToWait: false,
    };
    let item: OutboxItem;
    if (mode === 'records') {
      const result = draftsToRecords(rows);
      if (!result.ok) return setNote(strings.submit.fixCells);
      item = { ...base, kind: 'records', records: result.records };
      setRows([emptyDraft()]);
    } else {
      if (!file) return setNote(strings.submit.fileRequired);
      item = {
        ...base,
        kind: 'file',
        file,
        fileName: file.name,
        fileType: uploadFilter(file.name),
        bytesSent: 0,
        bytesTotal: file.size,
        uploaded: false,
      };
      setFile(undefined);
      (document.getElementById('file-input') as HTMLInputElement | null)?.form?.reset();
    }
    setTried(false);
    // Stored first; the sender goes on in the background.
    await outboxSender.store(item);
    setNote(strings.submit.queued);
  };

  return (
    <section class="card">
      <h1>{strings.submit.title}</h1>
      <form onSubmit={submit} noValidate>
        <div class="row">
          <div class="field">
            <label for="field-dataset">{strings.submit.dataset}</label>
            <input
              id="field-dataset"
              name="dataset"
              list="known-datasets"
              autocomplete="off"
              value={dataset}
              aria-invalid={tried && !datasetOk ? true : undefined}
              aria-describedby="field-dataset-hint"
              onInput={(e) => setDataset((e.target as HTMLInputElement).value.trim())}
            />
            <datalist id="known-datasets">
              {datasets.map((d) => (
                <option key={d} value={d} />
              ))}
            </datalist>
            <small id="field-dataset-hint" class={tried && !datasetOk ? 'cell-error' : 'hint'}>
              {tried && !datasetOk ? strings.submit.datasetInvalid : strings.submit.datasetHint}
            </small>
          </div>
          <div class="field">
            <label for="field-complexity">{strings.submit.complexity}</label>
            <input
              id="field-complexity"
              name="complexity"
              type="number"
              min={1}
              max={5}
              step={1}
              value={complexity}
              aria-invalid={tried && !complexityOk ? true : undefined}
              onInput={(e) => setComplexity((e.target as HTMLInputElement).value)}
            />
          </div>
        </div>
        <div role="tablist" aria-label={strings.submit.modes} class="tabs">
          {(['records', 'file'] as const).map((m) => (
            <button
              key={m}
              type="button"
              role="tab"
              id={`tab-${m}`}
              aria-controls={`panel-${m}`}
              aria-selected={mode === m}
              data-testid={`mode-${m}`}
              class={mode === m ? 'tab active' : 'tab'}
              onClick={() => setMode(m)}
            >
              {m === 'records' ? strings.submit.modeRecords : strings.submit.modeFile}
            </button>
          ))}
        </div>
        {mode === 'records' ? (
          <div role="tabpanel" id="panel-records" aria-labelledby="tab-records">
            <RecordsGrid rows={rows} showErrors={tried} onChange={setRows} />
            <button type="button" data-testid="add-row" onClick={() => setRows([...rows, emptyDraft()])}>
              {strings.submit.addRow}
            </button>
          </div>
        ) : (
          <div role="tabpanel" id="panel-file" aria-labelledby="tab-file" class="field">
            <label for="file-input">{strings.submit.file}</label>
            <input
              id="file-input"
              data-testid="file-input"
              type="file"
              accept=".csv,.ndjson,.jsonl,text/csv,application/x-ndjson"
              aria-describedby="file-hint"
              onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0])}
            />
            <small id="file-hint" class="hint">
              {strings.submit.fileHint}
            </small>
          </div>
        )}
        {note && (
          <p class="note" role="status">
            {note}
          </p>
        )}
        <button type="submit" data-testid="submit-batch" class="primary">
          {strings.submit.submitButton}
        </button>
      </form>
      <OutboxList />
    </section>
  );
}
