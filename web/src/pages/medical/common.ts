/** What the parts of 就医保障 share: the services, the urgencies, the colours of the hospitals, the page size. */

export const SERVICES = ['dialysis', 'delivery', 'chemotherapy', 'emergency', 'chronic_medicine'] as const;
export const URGENCIES = ['emergency', 'urgent', 'routine'] as const;

export const COLOUR_TAG: Record<string, string> = { red: 'red', yellow: 'gold', green: 'green' };

/** Rows of a list page (keyset pages: the whole list through the pages and the export). */
export const PAGE = 50;
