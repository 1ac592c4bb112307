/** Person import from CSV/XLSX: the module's public surface. */
export {
  IMPORT_RUN_KIND,
  type ImportMode,
  type ImportPersonsOptions,
  type ImportReport,
  importPersons,
  PERSONS_IMPORTED_EVENT,
} from './import-persons.ts';
export {
  type FileFormat,
  ImportFileError,
  type ImportFileErrorCode,
  normaliseHeader,
  type ParseRowsOptions,
  parseRows,
  type RawRow,
} from './parse-rows.ts';
export {
  type HealthCode,
  PERSON_FIELDS,
  PERSON_HEADER_ALIASES,
  PERSON_REQUIRED,
  type PersonImport,
  type Rejection,
  type RejectionCode,
  type RowContext,
  type RowResult,
  validatePersonRow,
} from './validate-row.ts';
