// List messages' action (docs/META.md §1).
import { invalidValue, missingParam } from '../errors.js';
import { expectObject, onlyKeys, optionalString, requiredArray, requiredString, sub, type Obj } from './check.js';

const ACTION_KEYS = new Set(['button', 'sections']);
const SECTION_KEYS = new Set(['title', 'rows']);
const ROW_KEYS = new Set(['id', 'title', 'description']);

// ⚠ Meta's docs: "up to 10 rows for all sections combined"; the spec says 10 per section.
// docs/META.md §1 says enforce 10 in total.
const MAX_ROWS_TOTAL = 10;

export function validateListAction(action: Obj, path: string): void {
  onlyKeys(action, ACTION_KEYS, path);
  requiredString(action, 'button', path, 20);
  const sections = requiredArray(action, 'sections', path, 1, 10);
  const sectionsPath = sub(path, 'sections');
  const rows: RowTally = { ids: new Set<string>(), count: 0, path: sectionsPath };
  sections.forEach((s, i) => validateSection(s, sub(sectionsPath, i), sections.length > 1, rows));
}

/** Rows seen so far across all sections. */
interface RowTally {
  ids: Set<string>;
  count: number;
  path: string;
}

function validateSection(v: unknown, path: string, manySections: boolean, tally: RowTally): void {
  const section = expectObject(v, path);
  onlyKeys(section, SECTION_KEYS, path);
  // ⚠ Docs' table: title required; spec: required when there is more than one section.
  // The simulator accepts the spec's reading (a lone section may go untitled).
  if (manySections && section['title'] === undefined) throw missingParam(sub(path, 'title'));
  optionalString(section, 'title', path, 24);
  if (section['title'] === '') throw invalidValue(`Param ${sub(path, 'title')} must not be empty.`);
  const rows = requiredArray(section, 'rows', path, 1, Infinity);
  tally.count += rows.length;
  if (tally.count > MAX_ROWS_TOTAL) {
    throw invalidValue(`Param ${tally.path} must have at most ${MAX_ROWS_TOTAL} rows in total across all sections.`);
  }
  const rowsPath = sub(path, 'rows');
  rows.forEach((r, i) => validateRow(r, sub(rowsPath, i), tally.ids));
}

function validateRow(v: unknown, path: string, rowIds: Set<string>): void {
  const row = expectObject(v, path);
  onlyKeys(row, ROW_KEYS, path);
  // Meta: row id at most 200, unique across the whole message.
  const id = requiredString(row, 'id', path, 200);
  if (rowIds.has(id))
    throw invalidValue(`Param ${sub(path, 'id')} must be unique across all sections: "${id}" is used twice.`);
  rowIds.add(id);
  requiredString(row, 'title', path, 24);
  optionalString(row, 'description', path, 72);
}
