SELECT p.pseudonym AS patient_id, p.practice_code, p.birth_year, p.sex, p.imd_decile
FROM patients p
JOIN scope_patients s USING (patient_id)
