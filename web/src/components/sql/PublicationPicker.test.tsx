// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResultColumn } from '../../api/sql.js';
import { PublicationPicker, publicationCheck, type PublicationChoice } from './PublicationPicker.js';

afterEach(cleanup);

// The columns of a known answer: weekly active patients by age band and deprivation decile.
const columns: ResultColumn[] = [
  { name: 'week', type: 'DATE' },
  { name: 'age_band', type: 'VARCHAR' },
  { name: 'imd_decile', type: 'TINYINT' },
  { name: 'active_patients', type: 'BIGINT' },
  { name: 'logins', type: 'HUGEINT' },
];

describe('publicationCheck', () => {
  it('sends the declared counts and dimensions, and names numeric columns still undeclared', () => {
    expect(publicationCheck(columns, {})).toEqual({ spec: null, undeclared: ['imd_decile', 'active_patients', 'logins'] });
    expect(publicationCheck(columns, { active_patients: 'count', imd_decile: 'dimension' })).toEqual({
      spec: { counts: ['active_patients'], dimensions: ['imd_decile'] },
      undeclared: ['logins'],
    });
    expect(publicationCheck(columns, { active_patients: 'count', logins: 'count', imd_decile: 'dimension' }).undeclared).toEqual([]);
    // A text column cannot be a count; a dimension alone is not enough.
    expect(publicationCheck(columns, { age_band: 'count', imd_decile: 'dimension' }).spec).toBeNull();
  });
});

function Harness({ onChoice }: { onChoice: (c: PublicationChoice) => void }) {
  const [choice, setChoice] = useState<PublicationChoice>({});
  return (
    <PublicationPicker
      columns={columns}
      choice={choice}
      onChange={(c) => {
        setChoice(c);
        onChoice(c);
      }}
    />
  );
}

describe('PublicationPicker', () => {
  it('offers a count and a dimension tick for numeric columns only, one or the other', () => {
    let last: PublicationChoice = {};
    render(<Harness onChoice={(c) => (last = c)} />);
    expect(screen.queryByLabelText('week is a count of people')).toBeNull();
    expect(screen.queryByLabelText('age_band is a dimension')).toBeNull();
    expect(screen.getAllByText('Not a number: published as it is')).toHaveLength(2);
    expect(screen.getByTestId('publication-undeclared').textContent).toContain('imd_decile, active_patients, logins');

    fireEvent.click(screen.getByLabelText('active_patients is a count of people'));
    fireEvent.click(screen.getByLabelText('imd_decile is a dimension'));
    expect(last).toEqual({ active_patients: 'count', imd_decile: 'dimension' });
    // Ticking "dimension" on a count makes it a dimension instead.
    fireEvent.click(screen.getByLabelText('active_patients is a dimension'));
    expect((screen.getByLabelText('active_patients is a count of people') as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText('active_patients is a dimension') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByLabelText('active_patients is a count of people'));
    fireEvent.click(screen.getByLabelText('logins is a count of people'));
    expect(publicationCheck(columns, last)).toEqual({ spec: { counts: ['active_patients', 'logins'], dimensions: ['imd_decile'] }, undeclared: [] });
    expect(screen.queryByTestId('publication-undeclared')).toBeNull();
  });
});
