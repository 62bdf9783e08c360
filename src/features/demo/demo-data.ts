import type { NewAgency } from '../partnerships/partnership-service.ts'

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

/** One demonstration user per role (PRODUCT.md), in the agency where that role works. Names are generated. */
export const DEMO_USERS: Array<{ role: string; agency: string; team?: string }> = [
  { role: 'practitioner', agency: 'Northshire and Wendover NHS Foundation Trust' },
  { role: 'practitioner', agency: 'Northshire Youth Justice Service' },
  { role: 'dsl', agency: 'Castlegate Academy' },
  { role: 'front-door', agency: "Northshire County Council Children's Services", team: 'Front Door' },
  {
    role: 'social-worker',
    agency: "Northshire County Council Children's Services",
    team: 'Exploitation Team',
  },
  {
    role: 'team-manager',
    agency: "Northshire County Council Children's Services",
    team: 'Exploitation Team',
  },
  { role: 'mace-chair', agency: 'Northshire Safeguarding Partnership Business Unit' },
  { role: 'police-intelligence', agency: 'Northshire Police' },
  { role: 'strategic-leader', agency: 'Northshire Safeguarding Partnership Business Unit' },
  { role: 'dpo', agency: 'Northshire Safeguarding Partnership Business Unit' },
  { role: 'system-admin', agency: 'Northshire Safeguarding Partnership Business Unit' },
]

/** Fictional addresses only: the .example top-level domain is reserved and never delivers mail. */
export const DEMO_EMAIL_DOMAIN = 'northshire.example'
