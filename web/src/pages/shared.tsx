/**
 * What every work page shares: loading one endpoint, dates in the reader's language, a table with paging,
 * sorting, filtering and an Excel export of exactly the rows the filters and sort leave, the states of a
 * request (loading, empty, error), and the actions: a confirmation before a change, a success message, the
 * API's error code and message on failure, and the page's data asked for again afterwards.
 *
 * Where: shared/load.tsx (loading, paging by cursor, permissions, actions and their confirmation),
 * shared/format.tsx (dates and numbers, Beijing time, areas, people and statuses by name), shared/columns.tsx
 * (columns, sorting, filter choices, the Excel export), shared/DataTable.tsx (the table). This file gathers
 * them: the pages import from here.
 */
import { errorText } from '../error-text.ts';

export {
  ACTIONS,
  areaColumn,
  byNumber,
  byString,
  type Column,
  codedColumn,
  exportXlsx,
  filtersFrom,
  personColumn,
} from './shared/columns.tsx';
export { DataTable, type DataTableProps } from './shared/DataTable.tsx';
export {
  AreaName,
  BeijingDatePicker,
  BeijingDateTimePicker,
  beijingToday,
  PersonName,
  StatusTag,
  useFormat,
} from './shared/format.tsx';
export {
  ConfirmButton,
  type CursorPage,
  cursorPaging,
  ErrorAlert,
  type Loaded,
  useAction,
  useApi,
  useFirstPageTotal,
  useKeyset,
  usePermissions,
  useVersion,
} from './shared/load.tsx';

export { errorText };
