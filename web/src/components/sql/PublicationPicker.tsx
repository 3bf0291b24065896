import type { PublicationSpec, ResultColumn } from '../../api/sql.js';
import { isNumeric } from './cells.js';

export type ColumnRole = 'count' | 'dimension';
export type PublicationChoice = Record<string, ColumnRole | undefined>;

export interface PublicationCheck {
  /** What to send, or null while no column is a count of people. */
  spec: PublicationSpec | null;
  /** Numeric columns neither counts nor dimensions: the server refuses them. */
  undeclared: string[];
}

/** The declaration sent with a download for publication, from the analyst's ticks. */
export function publicationCheck(columns: readonly ResultColumn[], choice: PublicationChoice): PublicationCheck {
  const names = new Set(columns.map((c) => c.name));
  const counts = columns.filter((c) => choice[c.name] === 'count' && isNumeric(c)).map((c) => c.name);
  const dimensions = columns.filter((c) => choice[c.name] === 'dimension' && isNumeric(c)).map((c) => c.name);
  const undeclared = columns.filter((c) => isNumeric(c) && !choice[c.name]).map((c) => c.name);
  const spec = counts.length && [...counts, ...dimensions].every((n) => names.has(n)) ? { counts, ...(dimensions.length ? { dimensions } : {}) } : null;
  return { spec, undeclared };
}

/** The rule, as the download applies it (server/sql/publication.ts; the metrics' protectCount). */
export function PublicationRule() {
  return (
    <div class="publication-rule" data-testid="publication-rule">
      <p>
        A download <strong>for publication</strong> applies NHS Digital's small-number rule, the same as the dashboard's figures, to the
        columns you declare as <strong>counts of people</strong>: 0 is shown, 1 to 7 are hidden (<strong>*</strong>), and every other count is
        rounded to the nearest 5.
      </p>
      <ul>
        <li>
          Every other numeric column must be a <strong>dimension</strong> — a category such as a year or a deprivation decile — or the download
          is refused: a sum, average or ratio over a few patients could identify them. Publish counts, and work out rates from the published
          counts.
        </li>
        <li>Row-level identifiers (patient_id, event_id) are refused: aggregate first.</li>
        <li>
          Hidden cells of a free-form result cannot be protected from subtraction: do not publish a total beside its suppressed parts.
        </li>
      </ul>
    </div>
  );
}

interface Props {
  columns: ResultColumn[];
  choice: PublicationChoice;
  onChange: (choice: PublicationChoice) => void;
}

/** For each numeric column of the result: a count of people, a dimension, or (unticked) neither. */
export function PublicationPicker({ columns, choice, onChange }: Props) {
  const set = (name: string, role: ColumnRole, on: boolean) => onChange({ ...choice, [name]: on ? role : undefined });
  const { undeclared } = publicationCheck(columns, choice);
  return (
    <div class="publication-picker" data-testid="publication-picker">
      <table class="data-table publication-table">
        <caption>Declare the result's numeric columns</caption>
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col">Count of people</th>
            <th scope="col">Dimension</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((c, i) => {
            const numeric = isNumeric(c);
            return (
              // By place: a result may have two columns of the same name (the server refuses it for publication).
              <tr key={i} data-column={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.type}</td>
                {numeric ? (
                  <>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`${c.name} is a count of people`}
                        checked={choice[c.name] === 'count'}
                        onChange={(e) => set(c.name, 'count', (e.target as HTMLInputElement).checked)}
                      />
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`${c.name} is a dimension`}
                        checked={choice[c.name] === 'dimension'}
                        onChange={(e) => set(c.name, 'dimension', (e.target as HTMLInputElement).checked)}
                      />
                    </td>
                  </>
                ) : (
                  <td colSpan={2} class="muted">
                    Not a number: published as it is
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {undeclared.length > 0 && (
        <p class="hint" data-testid="publication-undeclared">
          Not yet declared: {undeclared.join(', ')}. The download will be refused while a numeric column is neither a count of people nor a
          dimension.
        </p>
      )}
    </div>
  );
}
