import type { NewAgency } from '../partnerships/partnership-repository.ts'

/**
 * The fictional partnership every demo starts from. All names are invented: Northshire is not a real county
 * and none of these bodies exist. Later features add their own fictional records to this seed.
 */
export const DEMO_PARTNERSHIP = {
  code: 'northshire',
  name: 'Northshire Safeguarding Partnership',
  // 999 is not a DfE local authority code: it cannot be confused with a real council in a census export.
  laCode: '999',
} as const

export const DEMO_AGENCIES: NewAgency[] = [
  { name: 'Northshire Police', agencyType: 'police' },
  { name: "Northshire County Council Children's Services", agencyType: 'childrens-services' },
  { name: 'Northshire Early Help', agencyType: 'childrens-services' },
  { name: 'Northshire and Wendover NHS Foundation Trust', agencyType: 'health' },
  { name: 'Castlegate Academy', agencyType: 'education' },
  { name: 'Millbrook Primary School', agencyType: 'education' },
  { name: 'Northshire Youth Justice Service', agencyType: 'youth-justice' },
  { name: 'Harbour Lights Young People’s Project', agencyType: 'voluntary' },
  { name: 'Northshire Homes', agencyType: 'housing' },
  { name: 'Northshire Safeguarding Partnership Business Unit', agencyType: 'partnership' },
]
